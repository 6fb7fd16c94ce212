import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as b,b as c,c as d,d as e}from"./chunk-7ANJ7CDA.js";import"./chunk-HUPISFJH.js";import"./chunk-UTAKEQBJ.js";import"./chunk-QNJX3HZV.js";import"./chunk-6EYNJ4NS.js";import{b as a}from"./chunk-HTNPA5B3.js";import"./chunk-SI3N3X5U.js";import"./chunk-OV4AXA4F.js";import"./chunk-ERV4GWKY.js";import"./chunk-4HJD7QUG.js";import"./chunk-PKEE3M75.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{b as DEFAULT_LOCK_THRESHOLD_MS,a as MIGRATE_SETTING_INPUTS,e as getMigrateInputs,c as parseMillis,d as readMigrateOptions};
//# sourceMappingURL=inputs-RAZEQLOP.js.map
