import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{i,l as n}from"./chunk-RAG4UYFV.js";import"./chunk-2AQPWDOB.js";import"./chunk-LIX53BB7.js";import"./chunk-UTAKEQBJ.js";import"./chunk-EYFWJNDU.js";import"./chunk-E2QJYCOJ.js";import"./chunk-4HJD7QUG.js";import"./chunk-ERV4GWKY.js";import"./chunk-NCT52SLG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";import{writeFileSync as p}from"node:fs";import{join as o}from"node:path";import{tmpdir as a}from"node:os";function f(t,e=process.env){let r=o(e.RUNNER_TEMP||a(),"preview-db-migrate-report.md");return p(r,t.reportMarkdown),r}function s(t,e){return{applied:t?.applied.length??0,pending:t?.pending??0,"applied-migrations":JSON.stringify((t?.applied??[]).map(r=>({name:r.name,version:r.version,file:r.file,duration:Math.round(r.durationMs)}))),"lint-findings":n(t?.findings??[]),report:t?i(t):"","report-file":t?e:""}}export{s as migrateOutputs,f as writeMigrateReport};
//# sourceMappingURL=outputs-MB52WAGR.js.map
