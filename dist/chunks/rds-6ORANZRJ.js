import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a}from"./chunk-6O5EY7V3.js";import"./chunk-BVNFSSAW.js";import"./chunk-7WLIHCF7.js";import"./chunk-OL75QCV7.js";import"./chunk-OVETATXQ.js";import"./chunk-KB3FEHDQ.js";import"./chunk-2JAMO7TG.js";import"./chunk-K7M6NPVS.js";import"./chunk-35EGJ6Y5.js";import"./chunk-Y3IVT4GW.js";export{a as takeRdsSnapshot};
//# sourceMappingURL=rds-6ORANZRJ.js.map
