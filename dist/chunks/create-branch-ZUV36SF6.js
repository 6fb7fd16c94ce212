import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as b,b as c,c as d}from"./chunk-UZJX5Q3L.js";import{a}from"./chunk-K5Q5ATFX.js";import"./chunk-4HJD7QUG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{c as createPreview,d as describePreview,a as previewAnnotations,b as previewProvider};
//# sourceMappingURL=create-branch-ZUV36SF6.js.map
