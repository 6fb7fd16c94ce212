import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a,b}from"./chunk-PNQPKBMS.js";import"./chunk-4YY6SR4Z.js";import"./chunk-HAUP6G5U.js";import"./chunk-KXM3NAJM.js";import"./chunk-F4UUONI7.js";import"./chunk-LIX53BB7.js";import"./chunk-2FRQTAR3.js";import"./chunk-K5Q5ATFX.js";import"./chunk-BJVW4V6X.js";import"./chunk-UTAKEQBJ.js";import"./chunk-NQ73VBCE.js";import"./chunk-EYFWJNDU.js";import"./chunk-VN6HTZW2.js";import"./chunk-XGVZPLA4.js";import"./chunk-PPHKAJY4.js";import"./chunk-6VB3Z7OA.js";import"./chunk-7V5ELEBW.js";import"./chunk-4HJD7QUG.js";import"./chunk-HTNPA5B3.js";import"./chunk-GVQULVJX.js";import"./chunk-IVHT2IZ6.js";import"./chunk-ERV4GWKY.js";import"./chunk-NCT52SLG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{b as switchTo,a as writeUrls};
//# sourceMappingURL=switch-ZTOFMXFI.js.map
