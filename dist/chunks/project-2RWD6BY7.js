import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a,b,c,d,e,f}from"./chunk-FYCN4R7U.js";import"./chunk-SPR2IF3Z.js";import"./chunk-F6NMEFGU.js";import"./chunk-HA6UPFI6.js";import"./chunk-U5NEJBAU.js";import"./chunk-QNJX3HZV.js";import"./chunk-6EYNJ4NS.js";import"./chunk-PPHKAJY4.js";import"./chunk-W3XBGRWV.js";import"./chunk-4HJD7QUG.js";import"./chunk-PKEE3M75.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{b as NeonProject,d as PostgresProject,a as isPreviewName,c as neonEndpointIdOfHost,e as readOnlyMark,f as readOnlyRoleName};
//# sourceMappingURL=project-2RWD6BY7.js.map
