import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a,b}from"./chunk-SEO5ZXNA.js";import"./chunk-YIHBG2CM.js";import"./chunk-NXSLY36M.js";import"./chunk-P2GFZAYK.js";import"./chunk-F6NMEFGU.js";import"./chunk-HA6UPFI6.js";import"./chunk-SMROLJRR.js";import"./chunk-K5Q5ATFX.js";import"./chunk-7ANJ7CDA.js";import"./chunk-NQ73VBCE.js";import"./chunk-HUPISFJH.js";import"./chunk-UTAKEQBJ.js";import"./chunk-QNJX3HZV.js";import"./chunk-6EYNJ4NS.js";import"./chunk-FMRHM6WS.js";import"./chunk-PPHKAJY4.js";import"./chunk-PMKNJA2Q.js";import"./chunk-W3XBGRWV.js";import"./chunk-HTNPA5B3.js";import"./chunk-SI3N3X5U.js";import"./chunk-OV4AXA4F.js";import"./chunk-ERV4GWKY.js";import"./chunk-4HJD7QUG.js";import"./chunk-PKEE3M75.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{b as switchTo,a as writeUrls};
//# sourceMappingURL=switch-72AN2H5G.js.map
