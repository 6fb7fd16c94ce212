// A command input split into a program and its arguments, without a shell, and refused when
// it needs one. Light (shell-quote only): the settings check uses it before the core loads;
// command.ts, which runs the command, re-exports it.
import { parse, quote } from 'shell-quote';
import { SettingError } from '../../shared/errors.js';

/** A command split into words: the program, its arguments, and leading `NAME=value` assignments. */
export interface CommandLine {
  program: string;
  args: string[];
  env: Record<string, string>;
}

const NO_SHELL_ADVICE =
  'Commands run without a shell, as an argument array: no pipes, redirects, ;, &&, ||, &, $(...), backticks or globs. Put the steps in a script file in the repository (e.g. scripts/migrate.sh, made executable) and give its path, e.g. ./scripts/migrate.sh.';

/**
 * Splits a command input into words the way sh would quote them (shell-quote's parser), with
 * `$NAME` / `${NAME}` taken from `env` (unset: empty, like sh). Anything that needs a shell to
 * mean what it says is refused as a SettingError naming `input` (the setting); nothing ever runs through one.
 */
export function parseCommand(command: string, input: string, env: Record<string, string | undefined> = {}): CommandLine {
  // shell-quote keeps backticks as plain characters, and `$(` inside double quotes as text: a shell would run both.
  if (/`|\$\(/.test(command)) throw new SettingError(input, `uses command substitution ($(...) or backticks). ${NO_SHELL_ADVICE}`);
  const words: string[] = [];
  for (const entry of parse(command, (name: string) => env[name] ?? '')) {
    if (typeof entry === 'string') {
      words.push(entry);
      continue;
    }
    if ('comment' in entry) break;
    const what = entry.op === 'glob' ? `the glob ${(entry as { pattern: string }).pattern}` : `'${entry.op}'`;
    throw new SettingError(input, `uses shell syntax (${what}). ${NO_SHELL_ADVICE}`);
  }
  const assignments: Record<string, string> = {};
  while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) {
    const word = words.shift()!;
    assignments[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  if (words.length === 0)
    throw new SettingError(input, 'names no program to run. Give the command that applies your migrations, e.g. npx prisma migrate deploy.');
  return { program: words[0]!, args: words.slice(1), env: assignments };
}

/** How a command line reads in the log (quoted for a reader; it never goes through a shell). */
export function showCommand(line: CommandLine): string {
  return quote([line.program, ...line.args]);
}
