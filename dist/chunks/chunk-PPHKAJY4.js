import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
var o={ok:0,failed:1,usage:2,refused:3},r=class extends Error{constructor(s){super(s),this.name="UsageError"}},e=class extends Error{constructor(s){super(s),this.name="RefusedError"}};export{o as a,r as b,e as c};
//# sourceMappingURL=chunk-PPHKAJY4.js.map
