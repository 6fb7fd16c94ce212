import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
var e=class extends Error{constructor(n,s){super(`Input '${n}': ${s}`);this.input=n;this.name="InputError"}input},o=class extends Error{constructor(n,s,i){super(`Setting '${n}': ${s}`,i);this.setting=n;this.detail=s;this.name="SettingError"}setting;detail},a=class extends Error{constructor(n,s){super(n);this.status=s;this.name="PermanentError"}status};function u(r){return r instanceof Error?r.message:String(r)}export{e as a,o as b,a as c,u as d};
//# sourceMappingURL=chunk-KEKOQBUL.js.map
