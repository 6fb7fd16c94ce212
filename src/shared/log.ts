/**
 * How the core reports progress. Actions pass one backed by @actions/core, the CLI one
 * backed by the console; the core never imports either.
 */
export interface Log {
  info(message: string): void;
  /** Worth a person's attention; `file`/`line` become an annotation in Actions. */
  warning(message: string, where?: { file?: string; line?: number; column?: number; title?: string }): void;
  notice(message: string, where?: { file?: string; line?: number; column?: number; title?: string }): void;
  error(message: string, where?: { file?: string; line?: number; column?: number; title?: string }): void;
  debug(message: string): void;
  /** Masks a value in everything logged afterwards. Call before the value can be printed. */
  secret(value: string): void;
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
}

/** A Log that keeps everything, for tests and for building reports. */
export class MemoryLog implements Log {
  readonly lines: Array<{ level: string; message: string }> = [];
  readonly secrets: string[] = [];
  info(message: string) { this.lines.push({ level: 'info', message }); }
  warning(message: string) { this.lines.push({ level: 'warning', message }); }
  notice(message: string) { this.lines.push({ level: 'notice', message }); }
  error(message: string) { this.lines.push({ level: 'error', message }); }
  debug(message: string) { this.lines.push({ level: 'debug', message }); }
  secret(value: string) { if (value) this.secrets.push(value); }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    this.lines.push({ level: 'group', message: title });
    return body();
  }
  text(level?: string): string {
    return this.lines.filter((line) => !level || line.level === level).map((line) => line.message).join('\n');
  }
}

/** For the CLI and the Node API: plain console output, secrets masked. */
export class ConsoleLog implements Log {
  private readonly masked: string[] = [];
  constructor(private readonly verbose = false) {}
  private mask(message: string): string {
    return this.masked.reduce((text, secret) => text.split(secret).join('***'), message);
  }
  info(message: string) { console.error(this.mask(message)); }
  warning(message: string) { console.error(`warning: ${this.mask(message)}`); }
  notice(message: string) { console.error(`notice: ${this.mask(message)}`); }
  error(message: string) { console.error(`error: ${this.mask(message)}`); }
  debug(message: string) { if (this.verbose) console.error(`debug: ${this.mask(message)}`); }
  secret(value: string) { if (value) this.masked.push(value); }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    console.error(`== ${this.mask(title)}`);
    return body();
  }
}
