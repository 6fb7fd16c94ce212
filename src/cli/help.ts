// --help text, built from the same option table that parses the command line.
import type { CommandSpec } from './commands/index.js';
import { envName, GLOBAL_OPTIONS, type OptionDef } from './options.js';
import { CONFIG_FILE } from './config.js';

function wrap(text: string, width: number, indent: string): string {
  const words = text.replace(/`/g, '').split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : indent + l)).join('\n');
}

function optionHelp(option: OptionDef): string {
  const flag = `${option.short ? `-${option.short}, ` : ''}--${option.name}${option.type === 'string' ? ` <${option.value ?? 'value'}>` : ''}`;
  const notes: string[] = [];
  if (option.setting) notes.push(`env ${envName(option.setting)}${option.secret ? '' : `; config "${option.setting}"`}`);
  if (option.default && option.type === 'string') notes.push(`default ${option.default}`);
  const text = `${option.description}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  return `  ${flag}\n      ${wrap(text, 74, '      ')}`;
}

export function commandHelp(spec: CommandSpec): string {
  const usage = `preview-db ${spec.name}${spec.positionals.map((p) => (p.required ? ` <${p.name}>` : ` [${p.name}]`)).join('')} [options]`;
  const parts = [`${spec.summary}`, '', `Usage: ${usage}`];
  if (spec.positionals.length) parts.push('', 'Arguments', ...spec.positionals.map((p) => `  ${p.name}\n      ${wrap(p.description, 74, '      ')}`));
  parts.push('', 'Options', ...spec.options.map(optionHelp), ...GLOBAL_OPTIONS.map(optionHelp));
  if (spec.notes) parts.push('', ...spec.notes);
  parts.push('', `Settings come from flags first, then the environment, then ${CONFIG_FILE} (or a "preview-db" key in package.json) for non-secret settings.`);
  return parts.join('\n');
}

export function mainHelp(commands: CommandSpec[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `preview-db ${version}: a database of your own per branch, on Neon or any Postgres, with the same core and safety rules as the preview-db GitHub Actions.`,
    '',
    'Usage: preview-db <command> [arguments] [options]',
    '',
    'Commands',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${wrap(c.summary, 76 - width, ' '.repeat(width + 4))}`),
    '',
    'Options on every command: --json (a JSON object on stdout), -h/--help, --verbose. preview-db --version prints the version.',
    'preview-db help <command> (or <command> --help) describes each option.',
    '',
    'Configuration, first found wins: flags; environment (NEON_API_KEY, NEON_PROJECT_ID, PREVIEW_DB_POSTGRES_URL, DATABASE_URL, PREVIEW_DB_<SETTING>);',
    `${CONFIG_FILE} or a "preview-db" key in package.json (settings by the actions' input names, plus env-file and env-vars; never secrets).`,
    '',
    'Exit codes: 0 done, 1 failed, 2 bad usage (nothing changed), 3 refused by a safety rule (nothing changed).',
    'Progress goes to stderr (a spinner on a terminal); results to stdout. NO_COLOR turns colours off.',
  ].join('\n');
}
