// Keeps V8 from recompiling libpg-query's SQL parser with its optimizing compiler. After a few
// hundred statements V8 "tiers up" the parser's one huge WebAssembly function (base_yyparse,
// ~100 KB of code): that compile takes ~0.5 s of CPU and ~600 MB of memory on a background
// thread, and Node waits for it before it exits. On a 400-file history that made linting 5-7x
// slower than squawk; in the baseline compiler the same parse takes ~40 ms and ~75 MB.
// V8 reads these flags when it compiles a WebAssembly module, so setting them in this process
// before libpg-query compiles its module is enough: an action that parses SQL imports
// with-baseline-wasm.ts first. (It used to run itself again with the flags on the command line,
// which cost a second Node start on every run.)
import { setFlagsFromString } from 'node:v8';

export const BASELINE_WASM_FLAGS = ['--no-wasm-tier-up', '--no-wasm-dynamic-tiering'];

/** Whether this process should set the flags (not when started with them, nor when switched off). */
export function needsBaselineFlags(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return env.PREVIEW_DB_WASM_TIER_UP !== 'true' && !BASELINE_WASM_FLAGS.every((flag) => execArgv.includes(flag));
}

/** Sets the flags in this process; call before any WebAssembly module is compiled. */
export function useBaselineWasm(): void {
  for (const flag of BASELINE_WASM_FLAGS) setFlagsFromString(flag);
}
