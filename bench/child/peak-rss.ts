// A child process's own peak memory. Not `process.resourceUsage().maxRSS`: on Linux, getrusage's
// ru_maxrss survives execve, so a child spawned by a big parent (fork, then exec) reports at
// least the parent's size at the fork (the bench parent holds the generated files: a child
// using 280 MB read 745 MB). /proc/self/status's VmHWM is the high-water mark of the process's
// own memory since its exec; elsewhere the sampled RSS stands in.
import { readFileSync } from 'node:fs';

/** Samples the RSS until `stop()` returns the peak in bytes. */
export function peakRss(): { stop: () => number } {
  let sampled = process.memoryUsage.rss();
  const timer = setInterval(() => {
    sampled = Math.max(sampled, process.memoryUsage.rss());
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      sampled = Math.max(sampled, process.memoryUsage.rss());
      try {
        const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
        if (hwm) return Number(hwm[1]) * 1024;
      } catch {
        // No /proc here: the samples.
      }
      return sampled;
    },
  };
}
