import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{setFlagsFromString as t}from"node:v8";var s=["--no-wasm-tier-up","--no-wasm-dynamic-tiering"];function n(e,r){return r.PREVIEW_DB_WASM_TIER_UP!=="true"&&!s.every(i=>e.includes(i))}function o(){for(let e of s)t(e)}n(process.execArgv,process.env)&&o();
//# sourceMappingURL=chunk-ODAR2OJE.js.map
