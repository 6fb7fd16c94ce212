// The CLI's outcomes, as exit codes scripts can rely on.
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Something failed (the provider, the database, a migration). */
  failed: 1,
  /** Bad usage: an unknown command or flag, a missing or invalid value. Nothing changed. */
  usage: 2,
  /** Refused by a safety rule (protected or default branch, not made by preview-db...). Nothing changed. */
  refused: 3,
} as const;

/** The command line (or the configuration) is wrong; the message names the flag. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A safety rule refused the request; the message says which and how to go ahead anyway. */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}
