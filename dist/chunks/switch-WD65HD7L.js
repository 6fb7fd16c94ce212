import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a,b}from"./chunk-A2IJRXCD.js";import"./chunk-M5EZZW7Q.js";import"./chunk-ABVI6QVH.js";import"./chunk-72ND4VJV.js";import"./chunk-CVUWNMLF.js";import"./chunk-VWYH4WAS.js";import"./chunk-7UJT57QP.js";import"./chunk-UTAKEQBJ.js";import"./chunk-FMRHM6WS.js";import"./chunk-PPHKAJY4.js";import"./chunk-KAOFVWIN.js";import"./chunk-HOJB2WWI.js";import"./chunk-AD5WEEAL.js";import"./chunk-YBEOWTAK.js";import"./chunk-HTNPA5B3.js";import"./chunk-K7M6NPVS.js";import"./chunk-7AOPKEAX.js";import"./chunk-4HJD7QUG.js";import"./chunk-35EGJ6Y5.js";import"./chunk-Y3IVT4GW.js";export{b as switchTo,a as writeUrls};
//# sourceMappingURL=switch-WD65HD7L.js.map
