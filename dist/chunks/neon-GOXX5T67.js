import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a,b,c,d,e}from"./chunk-EWSFQGMO.js";import"./chunk-L4UZXR4F.js";import"./chunk-OKSBBMWV.js";import"./chunk-LIX53BB7.js";import"./chunk-KB3FEHDQ.js";import"./chunk-MA2Q3NFQ.js";import"./chunk-7V5ELEBW.js";import"./chunk-ERV4GWKY.js";import"./chunk-NCT52SLG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{c as neonOperationPolling,a as neonSnapshotName,b as neonSnapshotTags,d as sourceBranch,e as takeNeonSnapshot};
//# sourceMappingURL=neon-GOXX5T67.js.map
