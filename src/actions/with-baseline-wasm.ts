// Imported first by the actions that parse SQL: runs the action again with the V8 flags of
// baseline-wasm.ts when they are missing, and exits with that run's status.
import { needsRelaunch, relaunch } from './baseline-wasm.js';

if (needsRelaunch(process.execArgv, process.env)) {
  const status = await relaunch();
  if (status !== undefined) process.exit(status);
}
