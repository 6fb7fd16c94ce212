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

/** For the CLI and the Node API: plain console output, secrets masked. */
export class ConsoleLog implements Log {
  private readonly masked: string[] = [];
  constructor(private readonly verbose = false) {}
  private mask(message: string): string {
    return this.masked.reduce((text, secret) => text.split(secret).join('***'), message);
  }
  info(message: string) {
    console.error(this.mask(message));
  }
  warning(message: string) {
    console.error(`warning: ${this.mask(message)}`);
  }
  notice(message: string) {
    console.error(`notice: ${this.mask(message)}`);
  }
  error(message: string) {
    console.error(`error: ${this.mask(message)}`);
  }
  debug(message: string) {
    if (this.verbose) console.error(`debug: ${this.mask(message)}`);
  }
  secret(value: string) {
    if (value) this.masked.push(value);
  }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    console.error(`== ${this.mask(title)}`);
    return body();
  }
}
