// Writing connection URLs into a dotenv file the way a careful person would by hand: the
// named variables are replaced where they stand (or appended), every other line, comment,
// blank line and the order stay as they were; the file is replaced atomically (a temporary
// file in the same directory, then rename) and a new file is readable by its owner only.
import { closeSync, existsSync, fchmodSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.js';

// node:crypto loads when a file is written, not with the CLI's start (which reads this module).
const require = createRequire(import.meta.url);

export type UrlKind = 'pooled' | 'direct';

export interface EnvVar {
  name: string;
  kind: UrlKind;
}

/** `DATABASE_URL=pooled,DIRECT_URL=direct` (a bare name means pooled). */
export function parseEnvVars(text: string, where: string): EnvVar[] {
  const vars: EnvVar[] = [];
  for (const item of text
    .split(/[\n,]/)
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [name, kind = 'pooled', ...rest] = item.split('=').map((part) => part.trim());
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name!)) throw new UsageError(`${where}: '${name}' is not an environment variable name.`);
    if ((kind !== 'pooled' && kind !== 'direct') || rest.length > 0)
      throw new UsageError(`${where}: '${item}': the URL kind must be pooled or direct, e.g. DIRECT_URL=direct.`);
    if (vars.some((existing) => existing.name === name)) throw new UsageError(`${where}: '${name}' is given twice.`);
    vars.push({ name: name!, kind });
  }
  if (vars.length === 0) throw new UsageError(`${where} names no variable. Use e.g. DATABASE_URL=pooled,DIRECT_URL=direct.`);
  return vars;
}

const ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(.*)$/;

/** The value of an assignment as dotenv reads it: quotes removed, a trailing comment dropped. */
export function unquote(raw: string): string {
  const text = raw.trim();
  const quote = text[0];
  if (quote === '"' || quote === "'" || quote === '`') {
    const end = text.indexOf(quote, 1);
    if (end > 0) {
      const inner = text.slice(1, end);
      return quote === '"' ? inner.replace(/\\n/g, '\n') : inner;
    }
  }
  return text.replace(/\s+#.*$/, '');
}

/** The variables of a dotenv text (the last assignment wins, as dotenv does). */
export function readEnvText(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = ASSIGNMENT.exec(line);
    if (match) values.set(match[2]!, unquote(match[4]!));
  }
  return values;
}

export function readEnvFile(path: string): Map<string, string> | undefined {
  return existsSync(path) ? readEnvText(readFileSync(path, 'utf8')) : undefined;
}

/**
 * A value as dotenv reads it back unchanged: bare when it can be, else in a quote it does not
 * contain (single quotes first: dotenv takes them literally), keeping the line's own quote.
 */
function formatValue(value: string, previous?: string): string {
  const previousQuote = previous?.trim()[0];
  const needsQuotes = /[\s#"'`$\\]/.test(value) || (previousQuote !== undefined && `'"\``.includes(previousQuote));
  if (!needsQuotes) return value;
  const quotes = [previousQuote, "'", '"', '`'].filter((q): q is string => q !== undefined && `'"\``.includes(q));
  const quote = quotes.find((q) => !value.includes(q) && !(q === '"' && /\\[nr]/.test(value)));
  if (!quote) throw new UsageError('a connection URL holds every kind of quote; it cannot be written into a dotenv file unchanged.');
  return `${quote}${value}${quote}`;
}

/** The new text: each variable replaced in place (every occurrence), missing ones appended. */
export function updateEnvText(text: string, values: Array<[string, string]>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  const endsWithNewline = text === '' || text.endsWith('\n');
  if (endsWithNewline && lines.length > 0) lines.pop();
  const wanted = new Map(values);
  const written = new Set<string>();
  const out = lines.map((line) => {
    const match = ASSIGNMENT.exec(line);
    if (!match || !wanted.has(match[2]!)) return line;
    written.add(match[2]!);
    return `${match[1]}${match[2]}${match[3]}${formatValue(wanted.get(match[2]!)!, match[4])}`;
  });
  for (const [name, value] of values) if (!written.has(name)) out.push(`${name}=${formatValue(value)}`);
  return out.join(eol) + eol;
}

/**
 * Replaces the file atomically: readers see the old or the new file, never half of one.
 * An existing file keeps its mode; a new one gets 0600 (it holds passwords).
 */
export function writeEnvFile(path: string, values: Array<[string, string]>): { created: boolean; path: string } {
  // Through a symlink to its target, so the link stays a link.
  const target = existsSync(path) ? realpathSync(path) : path;
  const existed = existsSync(target);
  if (existed && !statSync(target).isFile()) throw new UsageError(`${path} is not a file.`);
  const before = existed ? readFileSync(target, 'utf8') : '';
  const mode = existed ? statSync(target).mode & 0o777 : 0o600;
  const temp = join(
    dirname(target),
    `.${basename(target)}.preview-db-${(require('node:crypto') as typeof import('node:crypto')).randomBytes(6).toString('hex')}.tmp`,
  );
  const fd = openSync(temp, 'wx', mode);
  try {
    // Exactly this mode, whatever the umask.
    fchmodSync(fd, mode);
    writeSync(fd, updateEnvText(before, values));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, target);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(temp, { force: true });
    throw error;
  }
  return { created: !existed, path: target };
}
