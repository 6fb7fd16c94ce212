import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as i,b as u}from"../chunks/chunk-TOD3N7J5.js";import"../chunks/chunk-U3QSYS6V.js";import{a as m}from"../chunks/chunk-KB3FEHDQ.js";import"../chunks/chunk-MA2Q3NFQ.js";import{a as e}from"../chunks/chunk-NQ73VBCE.js";import"../chunks/chunk-6VB3Z7OA.js";import"../chunks/chunk-7V5ELEBW.js";import"../chunks/chunk-4HJD7QUG.js";import"../chunks/chunk-HTNPA5B3.js";import{f as o,h as n,j as p}from"../chunks/chunk-GVQULVJX.js";import{a as r}from"../chunks/chunk-IVHT2IZ6.js";import"../chunks/chunk-ERV4GWKY.js";import"../chunks/chunk-NCT52SLG.js";import"../chunks/chunk-KEKOQBUL.js";import"../chunks/chunk-Y3IVT4GW.js";async function d(){let s=u(e()),t;try{t=s.provider==="rds"?await(await import("../chunks/rds-2SYTU3BP.js")).takeRdsSnapshot(s.request,{log:o}):await(await import("../chunks/neon-GOXX5T67.js")).takeNeonSnapshot(s.request,{log:o})}catch(a){throw a instanceof m&&(n({"snapshot-id":a.partial.snapshotId,"snapshot-arn":a.partial.snapshotArn,status:a.partial.status}),await r.addRaw(`### Pre-deploy snapshot: not usable yet

Snapshot \`${a.partial.snapshotId}\` is ${a.partial.status}.

${a.message}
`).write()),a}n({"snapshot-id":t.snapshotId,"snapshot-arn":t.snapshotArn,status:t.status,"created-at":t.createdAt,pruned:JSON.stringify(t.pruned),"restore-command":t.restoreCommand,reused:t.reused,"copy-snapshot-arn":t.copy?.snapshotArn}),await r.addRaw(i(t,{dryRun:s.request.pruneDryRun})).write()}await p(d);
//# sourceMappingURL=index.js.map
