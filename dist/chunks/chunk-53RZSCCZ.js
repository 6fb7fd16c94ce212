import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{b as r}from"./chunk-IVHT2IZ6.js";function d(a){return{"branch-id":a.branchId,"branch-name":a.branchName,created:a.created,"database-url":a.databaseUrl,"database-url-direct":a.databaseUrlDirect,host:a.host,database:a.database,role:a.role,password:a.password,"expires-at":a.expiresAt}}function n(a,t){for(let{name:e,kind:o}of a)r(e,o==="pooled"?t.databaseUrl:t.databaseUrlDirect)}export{d as a,n as b};
//# sourceMappingURL=chunk-53RZSCCZ.js.map
