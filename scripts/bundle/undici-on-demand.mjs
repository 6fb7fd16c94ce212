// Stands in for `undici` inside the action bundles. @actions/http-client and @actions/github
// import it at load time, but only a GitHub API call or a proxy uses it: this loads the real
// one (bundled apart as dist/vendor/undici.cjs, ~400 KB) on first use, so actions that do
// neither start without parsing it. Every output file sits one directory below dist/.
import { createRequire } from 'node:module';

let undici;
const load = () => (undici ??= createRequire(import.meta.url)('../vendor/undici.cjs'));

export class ProxyAgent {
  constructor(...args) {
    return new (load().ProxyAgent)(...args);
  }
}

export function fetch(...args) {
  return load().fetch(...args);
}
