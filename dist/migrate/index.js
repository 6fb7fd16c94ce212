import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{d as s}from"../chunks/chunk-DALJVM3Q.js";import{a as i}from"../chunks/chunk-NQ73VBCE.js";import"../chunks/chunk-E2QJYCOJ.js";import"../chunks/chunk-ODAR2OJE.js";import{b as m}from"../chunks/chunk-HTNPA5B3.js";import{f as o,h as e,j as a}from"../chunks/chunk-GVQULVJX.js";import{a as r}from"../chunks/chunk-IVHT2IZ6.js";import"../chunks/chunk-ERV4GWKY.js";import"../chunks/chunk-NCT52SLG.js";import"../chunks/chunk-KEKOQBUL.js";import"../chunks/chunk-Y3IVT4GW.js";async function w(){let n=s(i()),[{migrate:p,renderMigrateSummary:c},{migrateOutputs:u,writeMigrateReport:g}]=await Promise.all([import("../chunks/migrate-7O27TKGL.js"),import("../chunks/outputs-MB52WAGR.js")]),t=await p(n,o),d=g(t);await r.addRaw(c(t)).write(),e(u(t,d)),t.ok||(process.exitCode=t.exitCode||1)}await a(w,m);
//# sourceMappingURL=index.js.map
