// Stands in for @actions/core's `./platform.js` (core.platform) inside the action bundles:
// the same values, but @actions/exec and node:child_process, which its getDetails() needs,
// load only when it is called (no action calls it).
import os from 'node:os';

export const platform = os.platform();
export const arch = os.arch();
export const isWindows = platform === 'win32';
export const isMacOS = platform === 'darwin';
export const isLinux = platform === 'linux';
export async function getDetails() {
  return (await import('../../node_modules/@actions/core/lib/platform.js')).getDetails();
}
