import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
function o(t){let n=new URL(t);return{host:n.hostname,port:n.port,database:decodeURIComponent(n.pathname.replace(/^\//,"")),user:decodeURIComponent(n.username),password:decodeURIComponent(n.password)}}function s(t,n){let e=new URL(t);return e.pathname=`/${encodeURIComponent(n)}`,e.toString()}function a(t,n,e){let r=new URL(t);return r.username=encodeURIComponent(n),r.password=encodeURIComponent(e),r.toString()}export{o as a,s as b,a as c};
//# sourceMappingURL=chunk-EYFWJNDU.js.map
