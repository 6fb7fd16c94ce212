import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as i,b as u}from"../chunks/chunk-FFVSKO4N.js";import"../chunks/chunk-OVETATXQ.js";import{a as m}from"../chunks/chunk-KB3FEHDQ.js";import"../chunks/chunk-2JAMO7TG.js";import{a as e}from"../chunks/chunk-VWYH4WAS.js";import"../chunks/chunk-AD5WEEAL.js";import"../chunks/chunk-YBEOWTAK.js";import"../chunks/chunk-HTNPA5B3.js";import"../chunks/chunk-K7M6NPVS.js";import{e as r,s as o,u as n,w as p}from"../chunks/chunk-7AOPKEAX.js";import"../chunks/chunk-4HJD7QUG.js";import"../chunks/chunk-35EGJ6Y5.js";import"../chunks/chunk-Y3IVT4GW.js";async function d(){let s=u(e()),t;try{t=s.provider==="rds"?await(await import("../chunks/rds-6ORANZRJ.js")).takeRdsSnapshot(s.request,{log:o}):await(await import("../chunks/neon-F2BVTZWY.js")).takeNeonSnapshot(s.request,{log:o})}catch(a){throw a instanceof m&&(n({"snapshot-id":a.partial.snapshotId,"snapshot-arn":a.partial.snapshotArn,status:a.partial.status}),await r.addRaw(`### Pre-deploy snapshot: not usable yet

Snapshot \`${a.partial.snapshotId}\` is ${a.partial.status}.

${a.message}
`).write()),a}n({"snapshot-id":t.snapshotId,"snapshot-arn":t.snapshotArn,status:t.status,"created-at":t.createdAt,pruned:JSON.stringify(t.pruned),"restore-command":t.restoreCommand,reused:t.reused,"copy-snapshot-arn":t.copy?.snapshotArn}),await r.addRaw(i(t,{dryRun:s.request.pruneDryRun})).write()}await p(d);
//# sourceMappingURL=index.js.map
