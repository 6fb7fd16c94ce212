// npm run bench [name...]: runs each benchmark in bench/*.bench.ts (bundled on the fly with
// esbuild, so benchmarks drive the same TypeScript core as the actions) against one
// embedded Postgres and the fakes (no account anywhere). Each returns rows (see
// bench/rows.ts); this prints one table, writes bench/results.json and draws the ratios
// into docs/bench.svg. Benchmarks report: they do not pass or fail.
import { build } from 'esbuild';
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEmbeddedPostgres } from '../__tests__/support/test-postgres.mjs';

const root = resolve(import.meta.dirname, '..');
const wanted = process.argv.slice(2);
const benches = readdirSync(join(root, 'bench'))
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)));
// Inside the project, so the bundled bench resolves node_modules like the sources do.
const out = join(root, 'node_modules', '.cache', 'preview-db-bench');
mkdirSync(out, { recursive: true });

const started = Date.now();
const load = [];
const embedded = process.env.TEST_DATABASE_URL ? undefined : await startEmbeddedPostgres({ quiet: true });
if (embedded) process.env.TEST_DATABASE_URL = embedded.url;
// Benchmarks talk to stderr while they run; the table alone goes to stdout.
const print = console.log;
console.log = (...args) => console.error(...args);
const rows = [];
try {
  for (const file of benches) {
    const outfile = join(out, file.replace(/\.ts$/, '.mjs'));
    await build({
      absWorkingDir: root,
      entryPoints: [join('bench', file)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'warning',
    });
    console.error(`\n## ${file.replace(/\.bench\.ts$/, '')}`);
    const benchStarted = Date.now();
    load.push(loadavg()[0]);
    const bench = await import(pathToFileURL(outfile).href);
    const produced = (await bench.default()) ?? [];
    rows.push(...produced);
    load.push(loadavg()[0]);
    console.error(`(${((Date.now() - benchStarted) / 1000).toFixed(0)} s)`);
  }
} finally {
  console.log = print;
  await embedded?.stop();
}

const machine = { cpus: cpus().length, loadAverage: { min: Math.min(...load), max: Math.max(...load) }, node: process.version };
const totalSeconds = Math.round((Date.now() - started) / 1000);
const verdict = (row) => (row.met === undefined ? '' : row.met ? 'met' : 'MISSED');
// A `|` inside a cell would end it in Markdown.
const cell = (text) => text.replaceAll('|', '\\|');
const table = [
  ['section', 'measure', 'value', 'ratio', 'target', ''],
  ...rows.map((row) =>
    [
      row.section,
      row.measure,
      row.value,
      row.ratio === undefined ? '' : `${row.ratio.toFixed(2)} ${row.ratioOf ?? ''}`.trim(),
      row.target ?? '',
      verdict(row),
    ].map(cell),
  ),
];
const widths = table[0].map((_, column) => Math.max(...table.map((line) => line[column].length)));
const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
print(line(table[0]));
print(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const cells of table.slice(1)) print(line(cells));
print(
  `\n${rows.filter((row) => row.met === true).length} target(s) met, ${rows.filter((row) => row.met === false).length} missed; ${totalSeconds} s on ${machine.cpus} cores, load average ${machine.loadAverage.min.toFixed(1)}–${machine.loadAverage.max.toFixed(1)}, Node ${machine.node}.`,
);

if (wanted.length === 0) {
  writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), seconds: totalSeconds, machine, rows }, null, 2)}\n`);
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs', 'bench.svg'), chart(rows.filter((row) => row.ratio !== undefined)));
  // The README's marked section shows the latest table.
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  if (text.includes(start) && text.includes(end)) {
    const busy = machine.loadAverage.max > machine.cpus ? ' (a shared, busy machine)' : '';
    const summary = `Latest run: ${new Date().toISOString().slice(0, 10)}, ${totalSeconds} s on ${machine.cpus} cores, load average ${machine.loadAverage.min.toFixed(1)}–${machine.loadAverage.max.toFixed(1)}${busy}, Node ${machine.node}.`;
    const body = [line(table[0]), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...table.slice(1).map(line)].join('\n');
    writeFileSync(readme, `${text.slice(0, text.indexOf(start) + start.length)}\n${summary}\n\n${body}\n${text.slice(text.indexOf(end))}`);
  }
  print('Wrote bench/results.json, docs/bench.svg and the README table.');
}

/** Horizontal bars, one per ratio, on a log scale around 1; the target as a tick. */
function chart(ratioRows) {
  const barHeight = 18;
  const gap = 6;
  const left = 430;
  const width = 860;
  const plot = width - left - 70;
  const top = 40;
  const height = top + ratioRows.length * (barHeight + gap) + 40;
  const lo = Math.log10(0.01);
  const hi = Math.log10(100);
  const x = (ratio) => left + ((Math.min(Math.max(Math.log10(Math.max(ratio, 1e-9)), lo), hi) - lo) / (hi - lo)) * plot;
  const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">npm run bench: ratios (log scale; lower is better; tick = target)</text>`,
  ];
  for (const tick of [0.01, 0.1, 1, 10, 100]) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${height - 30}" stroke="${tick === 1 ? '#888' : '#ddd'}"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 14}" text-anchor="middle" fill="#555">${tick}×</text>`);
  }
  ratioRows.forEach((row, index) => {
    const y = top + index * (barHeight + gap);
    const colour = row.met === false ? '#d9534f' : row.met === true ? '#2e8b57' : '#4682b4';
    parts.push(
      `<text x="${left - 8}" y="${y + barHeight - 5}" text-anchor="end">${escape(`${row.section}: ${row.measure} ${row.ratioOf ?? ''}`.slice(0, 64))}</text>`,
    );
    parts.push(`<rect x="${x(0.01)}" y="${y}" width="${Math.max(1, x(row.ratio) - x(0.01))}" height="${barHeight}" fill="${colour}"/>`);
    parts.push(`<text x="${x(row.ratio) + 4}" y="${y + barHeight - 5}">${row.ratio.toFixed(2)}</text>`);
    const target = /([\d.]+)/.exec(row.target ?? '');
    if (target && /[≤<]/.test(row.target))
      parts.push(`<line x1="${x(Number(target[1]))}" y1="${y - 2}" x2="${x(Number(target[1]))}" y2="${y + barHeight + 2}" stroke="black" stroke-width="2"/>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
