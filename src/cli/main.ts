// The `preview-db` command (the package's bin, bundled into dist/cli/index.js).
// First: V8 flags that keep SQL parsing lean (`migrate` lints; see the module).
import '../shared/with-baseline-wasm.js';
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
