// The action.yml files are the contract: what an action declares must be exactly what its
// code reads (INPUT_* variables, recorded at run time) and sets (the outputs file).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, type ActionRun } from './run-action.js';

export interface ActionManifest {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string; post?: string };
  branding?: { icon: string; color: string };
}

export function readManifest(action: string): ActionManifest {
  const path = action === 'preview-db' ? join(ROOT, 'action.yml') : join(ROOT, 'actions', action, 'action.yml');
  return parse(readFileSync(path, 'utf8')) as ActionManifest;
}

/** Compares the union of many runs' reads and writes with the declared contract; an output only counts as set when a run gave it a value. */
export function contractDifferences(action: string, runs: ActionRun[]) {
  const manifest = readManifest(action);
  const declaredInputs = Object.keys(manifest.inputs ?? {}).sort();
  const declaredOutputs = Object.keys(manifest.outputs ?? {}).sort();
  const read = [...new Set(runs.flatMap((run) => run.inputsRead))].sort();
  // An output counts as set only when some run gave it a value: the actions write every
  // declared output (empty when it does not apply), so a name alone proves nothing.
  const set = [
    ...new Set(
      runs.flatMap((run) =>
        Object.entries(run.outputs)
          .filter(([, value]) => value !== '')
          .map(([name]) => name),
      ),
    ),
  ].sort();
  return {
    inputsReadButNotDeclared: read.filter((name) => !declaredInputs.includes(name)),
    inputsDeclaredButNeverRead: declaredInputs.filter((name) => !read.includes(name)),
    outputsSetButNotDeclared: set.filter((name) => !declaredOutputs.includes(name)),
    outputsDeclaredButNeverSet: declaredOutputs.filter((name) => !set.includes(name)),
  };
}
