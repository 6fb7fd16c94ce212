/**
 * An input the user gave is wrong. Raised before anything changes; the message names
 * the input and says how to fix it, and actions report it as an error annotation.
 */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`Input '${input}': ${message}`);
    this.name = 'InputError';
  }
}

/**
 * A setting the core was given is wrong, or what it points at refuses us. The core names its
 * own setting (`databaseUrl`); each entry point maps that to its name for it (the action's
 * input `database-url`, the CLI's flag `--database-url`).
 */
export class SettingError extends Error {
  constructor(
    readonly setting: string,
    /** What is wrong, without the setting's name: the entry point puts its own name in front. */
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`Setting '${setting}': ${detail}`, options);
    this.name = 'SettingError';
  }
}

/** A provider answered with something that retrying will not heal. */
export class PermanentError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
