import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
function r(n,e){if(n==="pull_request"){if(e==="closed")return"close";if(e==="opened"||e==="reopened"||e==="synchronize")return"open"}}export{r as a};
//# sourceMappingURL=chunk-3SMH2OGK.js.map
