import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a,b,c,d,e}from"./chunk-ZM44CLV3.js";import"./chunk-HYMYAPYW.js";import"./chunk-HA6UPFI6.js";import"./chunk-KB3FEHDQ.js";import"./chunk-IENDTFYX.js";import"./chunk-6EYNJ4NS.js";import"./chunk-W3XBGRWV.js";import"./chunk-ERV4GWKY.js";import"./chunk-PKEE3M75.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{c as neonOperationPolling,a as neonSnapshotName,b as neonSnapshotTags,d as sourceBranch,e as takeNeonSnapshot};
//# sourceMappingURL=neon-2ZXP362I.js.map
