// Down steps kept in the same file as their up: the built-in runner's `-- preview-db: down`
// line (flat layout) and dbmate's `-- migrate:down` section. Each part keeps the file's lines
// and columns (what is not part of it is blanked with spaces), so errors point at the file's
// own lines. The runner applies the up part only (files.ts); check-down runs the down part.

/** A line of its own: everything after it is the migration's down step, never applied going up. */
export const DOWN_MARKER = '-- preview-db: down';

const PREVIEW_DOWN = /^[ \t]*--[ \t]*preview-db:[ \t]*down[ \t]*\r?$/im;
const DBMATE_UP = /^--\s*migrate:up\b[^\n]*/m;
const DBMATE_DOWN = /^--\s*migrate:down\b([^\n]*)/m;

function blankRange(text: string, from: number, to: number): string {
  if (from >= to) return text;
  return text.slice(0, from) + text.slice(from, to).replace(/[^\n]/g, ' ') + text.slice(to);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

export interface DownSection {
  /** The file's text with everything but the down step blanked. */
  text: string;
  /** The line of the marker (`-- preview-db: down` or `-- migrate:down`). */
  line: number;
  /** dbmate's `transaction:false` on the `-- migrate:down` line. */
  noTransaction: boolean;
}

/**
 * A flat file's up and down parts: `down` is everything after the first line `-- preview-db: down`
 * (undefined without one); `up` is the file with that line and what follows blanked.
 */
export function splitPreviewDown(text: string): { up: string; down?: DownSection } {
  const marker = PREVIEW_DOWN.exec(text);
  if (!marker) return { up: text };
  const start = marker.index;
  return {
    up: blankRange(text, start, text.length),
    down: { text: blankRange(text, 0, start + marker[0].length), line: lineAt(text, start), noTransaction: false },
  };
}

/** The up part of a flat file: what runs going up (the `-- preview-db: down` section blanked). */
export function withoutPreviewDown(text: string): string {
  return splitPreviewDown(text).up;
}

/** dbmate: the `-- migrate:down` section (to the end, or to a later `-- migrate:up`), with its options. */
export function dbmateDown(text: string): DownSection | undefined {
  const up = DBMATE_UP.exec(text);
  const from = up ? up.index + up[0].length : 0;
  const found = DBMATE_DOWN.exec(text.slice(from));
  if (!found) return undefined;
  const start = from + found.index;
  const bodyStart = start + found[0].length;
  const laterUp = DBMATE_UP.exec(text.slice(bodyStart));
  const end = laterUp ? bodyStart + laterUp.index : text.length;
  return {
    text: blankRange(blankRange(text, end, text.length), 0, bodyStart),
    line: lineAt(text, start),
    noTransaction: /\btransaction:false\b/.test(found[1]!),
  };
}
