// Preloaded into a bundle under test (node --import): records which INPUT_* variables the
// action reads, so the contract test can compare them with action.yml. Copying the whole
// environment (for a child process, say) is not reading an input: after an enumeration,
// lookups that walk the keys in enumeration order belong to the copy, not to the action.
import { appendFileSync } from 'node:fs';

const logFile = process.env.PREVIEW_DB_INPUT_READS_FILE;
if (logFile) {
  const seen = new Set();
  const target = process.env;
  let copying = [];
  let next = 0;
  process.env = new Proxy(target, {
    ownKeys(object) {
      const keys = Reflect.ownKeys(object);
      copying = keys;
      next = 0;
      return keys;
    },
    get(object, key) {
      if (next < copying.length && key === copying[next]) {
        next++;
      } else {
        copying = [];
        if (typeof key === 'string' && key.startsWith('INPUT_') && !seen.has(key)) {
          seen.add(key);
          appendFileSync(logFile, `${key}\n`);
        }
      }
      return Reflect.get(object, key);
    },
  });
}
