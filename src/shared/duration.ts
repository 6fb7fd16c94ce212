import { InputError } from './errors.js';

/**
 * Parses the suite's durations: `30s`, `5m`, `72h`, `7d`, `2w`, combinations such as
 * `1h30m`, or a bare integer of seconds. Returns seconds.
 */
export function parseDuration(text: string, input = 'duration'): number {
  const value = text.trim();
  if (/^\d+$/.test(value)) return notAbsurd(Number(value), text, input);
  const parts = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!value || !parts || parts.slice(1).every((part) => part === undefined)) {
    throw new InputError(input, `'${text}' is not a duration. Use a number of seconds or units s, m, h, d, w such as 30s, 5m, 1h30m, 7d.`);
  }
  const [w, d, h, m, s] = parts.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number];
  return notAbsurd(w * 604800 + d * 86400 + h * 3600 + m * 60 + s, text, input);
}

/** Longer than any wait or age this suite deals in; beyond it dates stop being dates. */
const ABSURD_SECONDS = 1000 * 365 * 86400;

function notAbsurd(seconds: number, text: string, input: string): number {
  if (!Number.isSafeInteger(seconds) || seconds > ABSURD_SECONDS)
    throw new InputError(input, `'${text.trim()}' is far too long a duration. Use units s, m, h, d, w such as 30s, 5m, 7d.`);
  return seconds;
}

/** The range a duration input accepts, in seconds. */
export interface DurationBounds {
  min: number;
  max: number;
}

/** For a duration with no range of its own: at least a second, at most a year. */
export const DEFAULT_DURATION_BOUNDS: DurationBounds = { min: 1, max: 365 * 86400 };

/** `seconds` inside `bounds`, or an InputError that names the input and the allowed range. */
export function checkDurationBounds(seconds: number, input: string, bounds: DurationBounds, given = formatDuration(seconds)): number {
  if (seconds < bounds.min || seconds > bounds.max) {
    throw new InputError(input, `'${given}' is outside the allowed range: use ${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}.`);
  }
  return seconds;
}

/** Formats seconds as the shortest duration string: 5400 -> `1h30m`. */
export function formatDuration(totalSeconds: number): string {
  if (totalSeconds === 0) return '0s';
  let rest = Math.round(totalSeconds);
  let out = '';
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** Milliseconds for humans: `850ms`, `12.3s`, `4m05s`. */
export function formatMillis(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
