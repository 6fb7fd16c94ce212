// The CLI: parse, load settings, run one command, print its result, and turn the outcome
// into an exit code (0 done, 1 failed, 2 bad usage, 3 refused by a safety rule).
import { InputError } from '../shared/errors.js';
import { asInputError } from '../actions/runtime.js';
import { MIGRATE_SETTING_INPUTS, PROVIDER_SETTING_INPUTS } from '../actions/setting-inputs.js';

const CLI_SETTING_INPUTS = { ...PROVIDER_SETTING_INPUTS, ...MIGRATE_SETTING_INPUTS };
import { parseCommandArgs } from './args.js';
import { COMMANDS } from './commands/index.js';
import { Settings, loadConfig, type ConfigFile } from './config.js';
import { createContext, terminalMessage } from './context.js';
import { EXIT, RefusedError, UsageError } from './errors.js';
import { VERSION } from './generated/action-inputs.js';
import { commandHelp, mainHelp } from './help.js';
import { GLOBAL_OPTIONS } from './options.js';
import { Terminal, type CliIO } from './terminal.js';

function codeOf(error: unknown): { exit: number; kind: 'usage' | 'refused' | 'failed' } {
  if (error instanceof UsageError || error instanceof InputError) return { exit: EXIT.usage, kind: 'usage' };
  if (error instanceof RefusedError) return { exit: EXIT.refused, kind: 'refused' };
  return { exit: EXIT.failed, kind: 'failed' };
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = argv;
  const wantsJson = argv.includes('--json');
  const term = new Terminal(io, { verbose: argv.includes('--verbose') || Boolean(io.env.PREVIEW_DB_DEBUG) });
  if (first === '--version' || first === '-v' || first === 'version') {
    term.result(wantsJson ? JSON.stringify({ command: 'version', ok: true, version: VERSION }) : VERSION);
    return EXIT.ok;
  }
  if (!first || first === '--help' || first === '-h') {
    term.result(mainHelp(COMMANDS, VERSION));
    return first ? EXIT.ok : EXIT.usage;
  }
  if (first === 'help') {
    const spec = rest[0] ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (rest[0] && !spec) {
      term.error(`'${rest[0]}' is not a command. Commands: ${COMMANDS.map((c) => c.name).join(', ')}.`);
      return EXIT.usage;
    }
    term.result(spec ? commandHelp(spec) : mainHelp(COMMANDS, VERSION));
    return EXIT.ok;
  }
  const spec = COMMANDS.find((c) => c.name === first);
  const fail = (caught: unknown, settings?: Settings): number => {
    // The cores name settings (SettingError); the CLI speaks of the flag, variable or config key that holds each.
    const error = asInputError(caught, CLI_SETTING_INPUTS) ?? caught;
    const { exit, kind } = codeOf(error);
    const message = terminalMessage(error, settings);
    term.error(message);
    if (wantsJson)
      term.result(JSON.stringify({ command: spec?.name ?? first, ok: false, error: { kind, exitCode: exit, message: term.mask(message) } }, null, 2));
    return exit;
  };
  if (!spec) return fail(new UsageError(`'${first}' is not a command. Commands: ${COMMANDS.map((c) => c.name).join(', ')}. See preview-db --help.`));

  let settings: Settings | undefined;
  try {
    const options = [...spec.options, ...GLOBAL_OPTIONS];
    const parsed = parseCommandArgs(spec.name, rest, options, spec.positionals);
    if (parsed.flags.has('help')) {
      term.result(commandHelp(spec));
      return EXIT.ok;
    }
    const config: ConfigFile | undefined = loadConfig(io.cwd);
    // Flags by the setting they set (e.g. --dotenv sets env-file).
    const bySetting = new Map<string, { value: string; flag: string }>();
    for (const [name, value] of parsed.flags) bySetting.set(options.find((o) => o.name === name)?.setting ?? name, value);
    settings = new Settings(bySetting, io.env, config);
    const ctx = createContext(spec.name, io, term, settings, config, parsed.flags, parsed.positionals);
    const result = await spec.run(ctx);
    if (ctx.json) term.result(JSON.stringify({ command: spec.name, ok: result.exitCode === 0, ...result.json }, null, 2));
    else if (result.text) term.result(result.text);
    return result.exitCode;
  } catch (error) {
    return fail(error, settings);
  }
}
