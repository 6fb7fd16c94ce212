// Strict parsing of one command's arguments with Node's own util.parseArgs: unknown flags,
// a value flag without a value (or with an empty one) and stray arguments are usage errors
// that name the flag.
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import type { OptionDef } from './options.js';

export interface Positional {
  name: string;
  required: boolean;
  description: string;
}

export interface ParsedArgs {
  /** Flag values by flag name (booleans as 'true'). */
  flags: Map<string, { value: string; flag: string }>;
  positionals: string[];
}

export function parseCommandArgs(command: string, args: string[], options: OptionDef[], positionals: Positional[]): ParsedArgs {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const option of options) config[option.name] = { type: option.type, ...(option.short ? { short: option.short } : {}) };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: config, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${explain(error as Error & { code?: string }, command)} See \`preview-db ${command} --help\`.`);
  }
  const flags = new Map<string, { value: string; flag: string }>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === undefined || value === false) continue;
    const text = String(value);
    if (typeof value === 'string' && text.trim() === '') {
      throw new UsageError(
        `--${name} was given an empty value. Give it a value (e.g. --${name}=${options.find((option) => option.name === name)?.value ?? 'value'}) or leave it out.`,
      );
    }
    flags.set(name, { value: text, flag: `--${name}` });
  }
  if (parsed.positionals.length > positionals.length) {
    const extra = parsed.positionals[positionals.length]!;
    throw new UsageError(
      `unexpected argument '${extra}' for \`preview-db ${command}\`${positionals.length ? ` (it takes ${positionals.map((p) => `<${p.name}>`).join(' ')})` : ' (it takes no arguments)'}. See \`preview-db ${command} --help\`.`,
    );
  }
  for (const [index, value] of parsed.positionals.entries()) {
    if (value.trim() === '') throw new UsageError(`<${positionals[index]!.name}> is empty. Give a name, e.g. \`preview-db ${command} my-feature\`.`);
  }
  return { flags, positionals: parsed.positionals };
}

function explain(error: Error & { code?: string }, command: string): string {
  const message = error.message;
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      if (flag === '--env-file' || flag?.startsWith('--env-file=')) {
        return '--env-file belongs to Node.js itself (it exits with "node: <file>: not found" when the file does not exist yet, even after the script name), so preview-db uses --dotenv <file>.';
      }
      return `${flag ?? 'an option'} is not an option of \`preview-db ${command}\`.`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(message)) return `${flag} needs a value.`;
      if (/ambiguous/.test(message)) return `${flag} needs a value, but is followed by another flag. Write ${flag}=<value> if the value starts with a dash.`;
      if (/does not take an argument/.test(message)) return `${flag} is a switch and takes no value.`;
      return message;
    default:
      return message;
  }
}
