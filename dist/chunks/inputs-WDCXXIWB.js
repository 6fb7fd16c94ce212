import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as b,b as c,c as d,d as e}from"./chunk-DALJVM3Q.js";import"./chunk-E2QJYCOJ.js";import{b as a}from"./chunk-HTNPA5B3.js";import"./chunk-GVQULVJX.js";import"./chunk-IVHT2IZ6.js";import"./chunk-ERV4GWKY.js";import"./chunk-NCT52SLG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{b as DEFAULT_LOCK_THRESHOLD_MS,a as MIGRATE_SETTING_INPUTS,e as getMigrateInputs,c as parseMillis,d as readMigrateOptions};
//# sourceMappingURL=inputs-WDCXXIWB.js.map
