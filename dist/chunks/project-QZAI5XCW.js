import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a,b,c,d,e,f}from"./chunk-VYP6MI6I.js";import"./chunk-HEYIJ5FM.js";import"./chunk-OKSBBMWV.js";import"./chunk-SDRTAQW2.js";import"./chunk-2AQPWDOB.js";import"./chunk-LIX53BB7.js";import"./chunk-U5NEJBAU.js";import"./chunk-EYFWJNDU.js";import"./chunk-PPHKAJY4.js";import"./chunk-7V5ELEBW.js";import"./chunk-4HJD7QUG.js";import"./chunk-NCT52SLG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{b as NeonProject,d as PostgresProject,a as isPreviewName,c as neonEndpointIdOfHost,e as readOnlyMark,f as readOnlyRoleName};
//# sourceMappingURL=project-QZAI5XCW.js.map
