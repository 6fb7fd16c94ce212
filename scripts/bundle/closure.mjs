// What starting an action loads: its entry file and every file it imports statically,
// transitively (dynamic import() chunks are loaded only on the paths that need them).
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const STATIC_IMPORT = /(?:^|[;}\n])\s*(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g;
const DYNAMIC_IMPORT = /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

/** The files (relative to dist) that loading `file` loads: it and its static imports, transitively. */
export function staticClosure(dist, file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(dist, file), 'utf8');
  for (const match of text.matchAll(STATIC_IMPORT)) staticClosure(dist, relative(dist, resolve(dist, dirname(file), match[1])), seen);
  return seen;
}

/** Files (relative to dist) loaded at start by dist/<name>/index.js, and those it may load later. */
export function bundleFiles(dist, name) {
  const atStart = new Set();
  const onDemand = new Set();
  const visit = (file) => {
    if (atStart.has(file)) return;
    atStart.add(file);
    const text = readFileSync(join(dist, file), 'utf8');
    for (const match of text.matchAll(STATIC_IMPORT)) visit(relative(dist, resolve(dist, dirname(file), match[1])));
    for (const match of text.matchAll(DYNAMIC_IMPORT)) onDemand.add(relative(dist, resolve(dist, dirname(file), match[1])));
  };
  visit(join(name, 'index.js'));
  // What the lazy chunks pull in, beyond what start already loaded.
  const later = new Set();
  const visitLater = (file) => {
    if (atStart.has(file) || later.has(file)) return;
    later.add(file);
    const text = readFileSync(join(dist, file), 'utf8');
    for (const match of [...text.matchAll(STATIC_IMPORT), ...text.matchAll(DYNAMIC_IMPORT)]) visitLater(relative(dist, resolve(dist, dirname(file), match[1])));
  };
  for (const file of onDemand) visitLater(file);
  const bytes = (files) => [...files].reduce((sum, file) => sum + readFileSync(join(dist, file)).length, 0);
  return { atStart: [...atStart], onDemand: [...later], startBytes: bytes(atStart), onDemandBytes: bytes(later) };
}
