import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{c as i,d as t}from"./chunk-HEYIJ5FM.js";function p(r,o,e){if(r.provider==="neon"){if(!r.neon)throw new Error("the Neon connection is missing");return new i({...r.neon,waitForDeletion:e.waitForDeletion,repository:e.repository},o)}if(!r.postgresUrl)throw new Error("the Postgres admin URL is missing");return new t({adminUrl:r.postgresUrl,repository:e.repository},o)}export{p as a};
//# sourceMappingURL=chunk-526S5HMS.js.map
