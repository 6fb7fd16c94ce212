// A Log that keeps everything it is told: what tests and benches hand the core to read back.
import type { Log } from '../../src/shared/log.js';

/** A Log that keeps everything, for tests and benches. */
export class MemoryLog implements Log {
  readonly lines: Array<{ level: string; message: string }> = [];
  readonly secrets: string[] = [];
  info(message: string) {
    this.lines.push({ level: 'info', message });
  }
  warning(message: string) {
    this.lines.push({ level: 'warning', message });
  }
  notice(message: string) {
    this.lines.push({ level: 'notice', message });
  }
  error(message: string) {
    this.lines.push({ level: 'error', message });
  }
  debug(message: string) {
    this.lines.push({ level: 'debug', message });
  }
  secret(value: string) {
    if (value) this.secrets.push(value);
  }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    this.lines.push({ level: 'group', message: title });
    return body();
  }
  text(level?: string): string {
    return this.lines
      .filter((line) => !level || line.level === level)
      .map((line) => line.message)
      .join('\n');
  }
}
