import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as b,b as c,c as d}from"./chunk-AP5XLBHC.js";import"./chunk-OKSBBMWV.js";import"./chunk-LIX53BB7.js";import"./chunk-EYFWJNDU.js";import{b as a}from"./chunk-7V5ELEBW.js";import"./chunk-4HJD7QUG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{a as NEON_MAX_EXPIRY_SECONDS,d as NeonPreviews,c as neonConsoleUrl,b as rfc3339Seconds};
//# sourceMappingURL=preview-SXFQLIHY.js.map
