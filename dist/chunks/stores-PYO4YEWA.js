import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a}from"./chunk-I3YSYGIF.js";import"./chunk-SPR2IF3Z.js";import"./chunk-F6NMEFGU.js";import"./chunk-HA6UPFI6.js";import"./chunk-U5NEJBAU.js";import"./chunk-QNJX3HZV.js";import"./chunk-6EYNJ4NS.js";import"./chunk-W3XBGRWV.js";import"./chunk-PKEE3M75.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{a as previewStoreFor};
//# sourceMappingURL=stores-PYO4YEWA.js.map
