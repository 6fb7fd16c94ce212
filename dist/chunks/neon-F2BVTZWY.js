import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a,b,c}from"./chunk-3URNXAO3.js";import"./chunk-OL75QCV7.js";import"./chunk-KB3FEHDQ.js";import"./chunk-2JAMO7TG.js";import"./chunk-HOJB2WWI.js";import"./chunk-YBEOWTAK.js";import"./chunk-35EGJ6Y5.js";import"./chunk-Y3IVT4GW.js";export{a as neonSnapshotName,b as neonSnapshotTags,c as takeNeonSnapshot};
//# sourceMappingURL=neon-F2BVTZWY.js.map
