// Stands in for node:crypto inside @actions/core's file-command.js in the action bundles. It
// imports node:crypto at load time for one call, randomUUID() (the delimiter of a multi-line
// output or variable); loading node:crypto was about a tenth of an action's start, and a run
// that stops at a bad input sets no output. node:crypto now loads on the first output.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function randomUUID() {
  return require('node:crypto').randomUUID();
}
