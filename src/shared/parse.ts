import { InputError } from './errors.js';

/** A list input: newline- or comma-separated, blanks and surrounding spaces dropped. */
export function parseList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A boolean input: exactly `true` or `false` (any case); empty means the default. */
export function parseBoolean(text: string, input: string, fallback: boolean): boolean {
  const value = text.trim().toLowerCase();
  if (value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InputError(input, `'${text}' is not a boolean. Use true or false.`);
}

/** One of a fixed set of words; empty means the default. */
export function parseChoice<T extends string>(text: string, input: string, choices: readonly T[], fallback: T): T {
  const value = text.trim();
  if (value === '') return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new InputError(input, `'${text}' is not one of ${choices.join(', ')}.`);
}

/** A non-negative whole number; empty means the default. */
export function parseCount(text: string, input: string, fallback: number | undefined): number | undefined {
  const value = text.trim();
  if (value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new InputError(input, `'${text}' is not a whole number.`);
  if (!Number.isSafeInteger(Number(value))) throw new InputError(input, `'${value}' is far too large.`);
  return Number(value);
}

/** Lines of `key=value` (also comma-separated); keys must be unique. */
export function parseKeyValues(text: string, input: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const item of parseList(text)) {
    const at = item.indexOf('=');
    if (at <= 0) throw new InputError(input, `'${item}' is not key=value.`);
    const key = item.slice(0, at).trim();
    if (seen.has(key)) throw new InputError(input, `'${key}' is given twice.`);
    seen.add(key);
    pairs.push([key, item.slice(at + 1).trim()]);
  }
  return pairs;
}

/** Exactly one of several inputs must be set; returns the name of the one that is. */
export function exactlyOneOf(values: Record<string, string | undefined>): string {
  const set = Object.entries(values).filter(([, value]) => value !== undefined && value.trim() !== '');
  const names = Object.keys(values);
  if (set.length !== 1) {
    throw new InputError(
      names.join("' or '"),
      set.length === 0 ? `set one of ${names.join(', ')}.` : `set only one of ${names.join(', ')}, not ${set.map(([name]) => name).join(' and ')}.`,
    );
  }
  return set[0]![0];
}
