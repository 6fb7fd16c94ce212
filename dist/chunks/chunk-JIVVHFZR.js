import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as i,e as m,g as s}from"./chunk-A3A36YKR.js";import{c as d}from"./chunk-XGVZPLA4.js";import{relative as c}from"node:path";function p(e,a){let n=e.envFile(),o=e.envVars(),r=d(n,o.map(t=>[t.name,t.kind==="pooled"?a.pooled:a.direct])),l=c(e.io.cwd,n)||n;return e.term.say(`Wrote ${o.map(t=>`${t.name} (${t.kind}${a.readOnly?", read-only":""})`).join(", ")} to ${l}${r.created?" (new file, mode 0600)":""}.`),{path:n,created:r.created,variables:o.map(t=>({name:t.name,kind:t.kind}))}}async function C(e){let a=await i(e,!0);e.envVars(),e.connection();let n=await s(e,a),o=await m(e,n),r=p(e,o);return{exitCode:0,json:{branch:{name:n.name,id:n.id,kind:n.kind,host:o.host,database:o.database,role:o.role,readOnly:o.readOnly},envFile:r},text:`switched ${r.path} to ${n.name}${o.readOnly?" (read-only)":""}`}}export{p as a,C as b};
//# sourceMappingURL=chunk-JIVVHFZR.js.map
