// The terminal: results on stdout, progress and messages on stderr. A spinner and colours
// only on a TTY (never with NO_COLOR or TERM=dumb); plain lines otherwise, for logs and pipes.
import type { Log } from '../shared/log.js';

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Stream;
  stderr: Stream;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Terminal implements Log {
  readonly color: boolean;
  readonly tty: boolean;
  private readonly masked: string[] = [];
  private spinner?: { text: string; frame: number; timer: NodeJS.Timeout };

  constructor(
    private readonly io: CliIO,
    private readonly options: { verbose?: boolean; quiet?: boolean } = {},
  ) {
    this.tty = Boolean(io.stderr.isTTY);
    this.color = this.tty && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
  }

  private paint(code: string, text: string): string {
    return this.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
  bold = (text: string) => this.paint('1', text);
  dim = (text: string) => this.paint('2', text);
  red = (text: string) => this.paint('31', text);
  green = (text: string) => this.paint('32', text);
  yellow = (text: string) => this.paint('33', text);

  /** Hides every registered secret (URLs, passwords, keys) from anything printed on stderr. */
  mask(text: string): string {
    return [...this.masked].sort((a, b) => b.length - a.length).reduce((out, secret) => out.split(secret).join('***'), text);
  }

  /** The command's result: stdout, unmasked (a URL printed by `url` is what was asked for). */
  result(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  private line(text: string): void {
    this.clearSpinner();
    this.io.stderr.write(`${this.mask(text)}\n`);
    this.drawSpinner();
  }

  info(message: string): void {
    if (this.options.quiet) return;
    if (this.spinner) {
      this.spinner.text = this.mask(message).split('\n')[0]!;
      this.drawSpinner();
      return;
    }
    this.line(message);
  }
  /** A message the person should read even on a TTY (stays on screen). */
  say(message: string): void {
    if (!this.options.quiet) this.line(message);
  }
  warning(message: string): void {
    this.line(`${this.yellow('warning:')} ${message}`);
  }
  notice(message: string): void {
    this.line(`${this.dim('notice:')} ${message}`);
  }
  error(message: string): void {
    this.line(`${this.red('error:')} ${message}`);
  }
  debug(message: string): void {
    if (this.options.verbose) this.line(this.dim(`debug: ${message}`));
  }
  secret(value: string): void {
    if (value && !this.masked.includes(value)) this.masked.push(value);
  }

  /** A long wait: a spinner with what is being waited for on a TTY, a plain line otherwise. */
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    if (!this.tty || this.spinner || this.options.quiet) {
      if (!this.options.quiet) this.line(`${title}…`);
      return body();
    }
    const spinner = { text: this.mask(title), frame: 0, timer: setInterval(() => this.drawSpinner(true), 80) };
    spinner.timer.unref?.();
    this.spinner = spinner;
    this.drawSpinner();
    try {
      const value = await body();
      this.stopSpinner(`${this.green('✓')} ${this.mask(title)}`);
      return value;
    } catch (error) {
      this.stopSpinner(`${this.red('✗')} ${this.mask(title)}`);
      throw error;
    }
  }

  private stopSpinner(final: string): void {
    if (!this.spinner) return;
    clearInterval(this.spinner.timer);
    this.clearSpinner();
    this.spinner = undefined;
    this.io.stderr.write(`${final}\n`);
  }

  private clearSpinner(): void {
    if (this.spinner) this.io.stderr.write('\r\u001b[2K');
  }

  private drawSpinner(advance = false): void {
    if (!this.spinner) return;
    if (advance) this.spinner.frame = (this.spinner.frame + 1) % FRAMES.length;
    const columns = 78;
    const text = this.spinner.text.length > columns ? `${this.spinner.text.slice(0, columns - 1)}…` : this.spinner.text;
    this.io.stderr.write(`\r\u001b[2K${this.paint('36', FRAMES[this.spinner.frame]!)} ${text}`);
  }
}
