// A small unified diff (LCS over lines), enough for schema comparisons of a few hundred lines.

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]!, a: i, b: j });
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) {
      ops.push({ kind: '-', line: a[i]!, a: i, b: j });
      i++;
    } else {
      ops.push({ kind: '+', line: b[j]!, a: i, b: j });
      j++;
    }
  }
  while (i < n) ops.push({ kind: '-', line: a[i]!, a: i++, b: j });
  while (j < m) ops.push({ kind: '+', line: b[j]!, a: i, b: j++ });
  return ops;
}

/** Unified diff of two texts; '' when they are equal. */
export function unifiedDiff(before: string, after: string, fromName: string, toName: string, context = 3): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  const ops = lcsOps(a, b);
  const changed = ops.map((op) => op.kind !== ' ');
  const out: string[] = [`--- ${fromName}`, `+++ ${toName}`];
  let k = 0;
  while (k < ops.length) {
    if (!changed[k]) {
      k++;
      continue;
    }
    let start = Math.max(0, k - context);
    let end = k;
    // extend the hunk while changes are within 2*context lines of each other
    while (end < ops.length) {
      if (changed[end]) {
        end++;
        continue;
      }
      let next = end;
      while (next < ops.length && !changed[next] && next - end < 2 * context) next++;
      if (next < ops.length && changed[next] && next - end < 2 * context) {
        end = next;
      } else {
        break;
      }
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const aStart = hunk[0]!.a;
    const bStart = hunk[0]!.b;
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${aLen === 0 ? aStart : aStart + 1},${aLen} +${bLen === 0 ? bStart : bStart + 1},${bLen} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
    k = stop;
    start = stop;
  }
  return `${out.join('\n')}\n`;
}
