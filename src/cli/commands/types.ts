export interface CommandResult {
  /** 0 unless the command itself decided otherwise (a failed migration...). */
  exitCode: number;
  /** The command's fields of the --json object (command and ok are added). */
  json: Record<string, unknown>;
  /** What stdout shows without --json. */
  text?: string;
}
