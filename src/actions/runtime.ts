// What every action entry point shares: reading typed inputs, a Log backed by
// @actions/core, setting outputs, and reporting failure once.
import * as core from '@actions/core';
import { InputError, SettingError, errorMessage } from '../shared/errors.js';
import { DEFAULT_DURATION_BOUNDS, checkDurationBounds, parseDuration, type DurationBounds } from '../shared/duration.js';
import { parseBoolean, parseChoice, parseCount, parseList, parseKeyValues } from '../shared/parse.js';
import type { Log } from '../shared/log.js';
import { CONTRACT, type ActionName, type InputName, type OutputName, type OutputOf } from './contract.generated.js';

/** Where inputs come from: the runner's INPUT_* variables, or the CLI's command line. */
export interface InputSource {
  get(name: string): string;
  /** Hides a value from everything printed afterwards. */
  mask(value: string): void;
}

const runnerInputs: InputSource = {
  get: (name) => core.getInput(name),
  mask: (value) => core.setSecret(value),
};

let source: InputSource = runnerInputs;

/** The CLI reads the very same inputs, with the same validation, from its command line. */
export function useInputSource(next: InputSource): void {
  source = next;
}

const registeredSecrets = new Set<string>();

/** Registers a secret once: the runner masks it in everything printed afterwards. */
export function maskSecret(value: string): void {
  if (value && !registeredSecrets.has(value)) {
    registeredSecrets.add(value);
    source.mask(value);
  }
}

/** Typed readers over the input source; the only place that reads action inputs. */
export const inputs = {
  text(name: InputName): string {
    return source.get(name).trim();
  },
  /** Secret inputs are masked as soon as they are read. */
  secret(name: InputName): string {
    const value = source.get(name).trim();
    maskSecret(value);
    return value;
  },
  optional(name: InputName): string | undefined {
    const value = source.get(name).trim();
    return value === '' ? undefined : value;
  },
  boolean(name: InputName, fallback: boolean): boolean {
    return parseBoolean(source.get(name), name, fallback);
  },
  choice<T extends string>(name: InputName, choices: readonly T[], fallback: T): T {
    return parseChoice(source.get(name), name, choices, fallback);
  },
  /** Seconds within `bounds` (refused outside, naming the range), or undefined when empty. */
  duration(name: InputName, bounds: DurationBounds = DEFAULT_DURATION_BOUNDS): number | undefined {
    const value = source.get(name).trim();
    return value === '' ? undefined : checkDurationBounds(parseDuration(value, name), name, bounds, value);
  },
  count(name: InputName, fallback?: number): number | undefined {
    return parseCount(source.get(name), name, fallback);
  },
  list(name: InputName): string[] {
    return parseList(source.get(name));
  },
  keyValues(name: InputName): Array<[string, string]> {
    return parseKeyValues(source.get(name), name);
  },
};

/**
 * The runner masks registered secrets in its log, but not in what an action sends elsewhere
 * (a pull-request comment): text bound there goes through this first.
 */
export function redactSecrets(text: string): string {
  // Longest first, so a URL is replaced whole rather than around its password.
  return [...registeredSecrets].sort((a, b) => b.length - a.length).reduce((out, secret) => out.split(secret).join('***'), text);
}

/** A Log for the core that writes to the runner's log and annotations. */
export const actionLog: Log = {
  info: (message) => core.info(message),
  warning: (message, where) => core.warning(message, where && { file: where.file, startLine: where.line, startColumn: where.column, title: where.title }),
  notice: (message, where) => core.notice(message, where && { file: where.file, startLine: where.line, startColumn: where.column, title: where.title }),
  error: (message, where) => core.error(message, where && { file: where.file, startLine: where.line, startColumn: where.column, title: where.title }),
  debug: (message) => core.debug(message),
  secret: maskSecret,
  group: (title, body) => core.group(title, body),
};

/** Outputs by declared name (a name no action.yml declares does not compile). */
export type Outputs = Partial<Record<OutputName, string | number | boolean | undefined>>;

/** Every output `action` declares, empty: what a run that skips or stops early sets. */
export function emptyOutputs<A extends ActionName>(action: A): Record<OutputOf<A>, ''> {
  return Object.fromEntries(CONTRACT[action].outputs.map((name) => [name, ''])) as Record<OutputOf<A>, ''>;
}

/** Sets every output; undefined becomes the empty string so the contract stays complete. */
export function setOutputs(outputs: Outputs): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value === undefined ? '' : String(value));
}

/** The core's names for its settings mapped to this action's input names (`databaseUrl` → `database-url`). */
export type SettingInputs = Readonly<Record<string, string>>;

/** An InputError for what the core reported about one of its settings, when this action has an input for it. */
export function asInputError(error: unknown, settingInputs: SettingInputs): InputError | undefined {
  if (error instanceof InputError) return error;
  if (error instanceof SettingError && Object.hasOwn(settingInputs, error.setting)) return new InputError(settingInputs[error.setting]!, error.detail);
  return undefined;
}

/**
 * Runs an action's main function and reports any failure once, as an error annotation.
 * Input errors (and the core's setting errors, named by `settingInputs`) are titled with the
 * input so the annotation points at what to fix.
 */
export async function runAction(main: () => Promise<void>, settingInputs: SettingInputs = {}): Promise<void> {
  try {
    await main();
  } catch (caught) {
    const error = asInputError(caught, settingInputs) ?? caught;
    if (error instanceof InputError) {
      core.error(error.message, { title: `Invalid input: ${error.input}` });
      process.exitCode = 1;
      return;
    }
    core.setFailed(errorMessage(error));
  }
}
