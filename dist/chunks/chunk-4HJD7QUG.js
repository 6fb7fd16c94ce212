import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
function r(e){if(!e)return[];try{let t=new URL(e).password,n=t;try{n=decodeURIComponent(t)}catch{}return[...new Set([e,t,n].filter(Boolean))]}catch{return[e]}}export{r as a};
//# sourceMappingURL=chunk-4HJD7QUG.js.map
