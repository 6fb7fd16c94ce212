import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a}from"./chunk-IVD7KIKW.js";import"./chunk-MC7CPDW5.js";import"./chunk-7WLIHCF7.js";import"./chunk-HYMYAPYW.js";import"./chunk-2VB5AQXH.js";import"./chunk-KB3FEHDQ.js";import"./chunk-IENDTFYX.js";import"./chunk-QNJX3HZV.js";import"./chunk-6EYNJ4NS.js";import"./chunk-ERV4GWKY.js";import"./chunk-PKEE3M75.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{a as takeRdsSnapshot};
//# sourceMappingURL=rds-RU3JK7TE.js.map
