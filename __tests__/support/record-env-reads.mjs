// Preloaded into a bundle under test (node --import): records which INPUT_* variables the
// action reads, so the contract test can compare them with action.yml.
import { appendFileSync } from 'node:fs';

const logFile = process.env.PREVIEW_DB_INPUT_READS_FILE;
if (logFile) {
  const seen = new Set();
  const target = process.env;
  process.env = new Proxy(target, {
    get(object, key) {
      if (typeof key === 'string' && key.startsWith('INPUT_') && !seen.has(key)) {
        seen.add(key);
        appendFileSync(logFile, `${key}\n`);
      }
      return Reflect.get(object, key);
    },
  });
}
