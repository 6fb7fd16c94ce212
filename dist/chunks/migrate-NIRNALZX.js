import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a,b}from"./chunk-6BIJFZTI.js";import"./chunk-XGVZPLA4.js";import"./chunk-PPHKAJY4.js";import"./chunk-4HJD7QUG.js";import"./chunk-Y3IVT4GW.js";export{a as envFileUrl,b as migrate};
//# sourceMappingURL=migrate-NIRNALZX.js.map
