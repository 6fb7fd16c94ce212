// Keeps V8 from recompiling libpg-query's SQL parser with its optimizing compiler. After a few
// hundred statements V8 "tiers up" the parser's one huge WebAssembly function (base_yyparse,
// ~100 KB of code): that compile takes ~0.5 s of CPU and ~600 MB of memory on a background
// thread, and Node waits for it before it exits. On a 400-file history that made linting 5-7x
// slower than squawk; in the baseline compiler the same parse takes ~40 ms and ~75 MB.
// V8 flags cannot be changed once Node runs, so an action that parses SQL imports
// with-baseline-wasm.ts first: when the flags are missing, it runs the same script again with them (same environment,
// same stdio, so outputs, summary and annotations work unchanged) and exits with its status.
import { spawn } from 'node:child_process';

export const BASELINE_WASM_FLAGS = ['--no-wasm-tier-up', '--no-wasm-dynamic-tiering'];

/** Whether this process should run itself again with the flags (not when it has them, nor when switched off). */
export function needsRelaunch(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return env.PREVIEW_DB_WASM_TIER_UP !== 'true' && !BASELINE_WASM_FLAGS.every((flag) => execArgv.includes(flag));
}

/** Runs the script again with the flags; resolves to its exit status, or undefined when it could not start (then run here). */
export function relaunch(): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...BASELINE_WASM_FLAGS, ...process.argv.slice(1)], { stdio: 'inherit', env: process.env });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, forward(signal));
    child.once('error', () => resolve(undefined));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
