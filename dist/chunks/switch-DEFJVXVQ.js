import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a,b}from"./chunk-JIVVHFZR.js";import"./chunk-A3A36YKR.js";import"./chunk-UZJX5Q3L.js";import"./chunk-RAG4UYFV.js";import"./chunk-2AQPWDOB.js";import"./chunk-LIX53BB7.js";import"./chunk-2FRQTAR3.js";import"./chunk-K5Q5ATFX.js";import"./chunk-DALJVM3Q.js";import"./chunk-UTAKEQBJ.js";import"./chunk-NQ73VBCE.js";import"./chunk-EYFWJNDU.js";import"./chunk-E2QJYCOJ.js";import"./chunk-XGVZPLA4.js";import"./chunk-PPHKAJY4.js";import"./chunk-6VB3Z7OA.js";import"./chunk-7V5ELEBW.js";import"./chunk-4HJD7QUG.js";import"./chunk-HTNPA5B3.js";import"./chunk-GVQULVJX.js";import"./chunk-IVHT2IZ6.js";import"./chunk-ERV4GWKY.js";import"./chunk-NCT52SLG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{b as switchTo,a as writeUrls};
//# sourceMappingURL=switch-DEFJVXVQ.js.map
