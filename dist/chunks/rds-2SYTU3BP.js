import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a}from"./chunk-DZD3YTA7.js";import"./chunk-INM3ZPMK.js";import"./chunk-L4UZXR4F.js";import"./chunk-7WLIHCF7.js";import"./chunk-2AQPWDOB.js";import"./chunk-LIX53BB7.js";import"./chunk-U3QSYS6V.js";import"./chunk-KB3FEHDQ.js";import"./chunk-MA2Q3NFQ.js";import"./chunk-EYFWJNDU.js";import"./chunk-ERV4GWKY.js";import"./chunk-NCT52SLG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{a as takeRdsSnapshot};
//# sourceMappingURL=rds-2SYTU3BP.js.map
