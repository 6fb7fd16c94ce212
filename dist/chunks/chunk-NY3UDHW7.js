import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{k as i,n}from"./chunk-HUPISFJH.js";import{setFlagsFromString as a}from"node:v8";var o=["--no-wasm-tier-up","--no-wasm-dynamic-tiering"];function p(e,t){return t.PREVIEW_DB_WASM_TIER_UP!=="true"&&!o.every(r=>e.includes(r))}function s(){for(let e of o)a(e)}p(process.execArgv,process.env)&&s();import{writeFileSync as g}from"node:fs";import{join as d}from"node:path";import{tmpdir as m}from"node:os";function y(e,t=process.env){let r=d(t.RUNNER_TEMP||m(),"preview-db-migrate-report.md");return g(r,e.reportMarkdown),r}function E(e,t){return{applied:e?.applied.length??0,pending:e?.pending??0,"applied-migrations":JSON.stringify((e?.applied??[]).map(r=>({name:r.name,version:r.version,file:r.file,duration:Math.round(r.durationMs)}))),"lint-findings":n(e?.findings??[]),report:e?i(e):"","report-file":e?t:""}}export{y as a,E as b};
//# sourceMappingURL=chunk-NY3UDHW7.js.map
