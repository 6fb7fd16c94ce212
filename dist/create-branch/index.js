import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as w,b as d}from"../chunks/chunk-53RZSCCZ.js";import{a as u}from"../chunks/chunk-2FRQTAR3.js";import"../chunks/chunk-K5Q5ATFX.js";import{a as n}from"../chunks/chunk-NQ73VBCE.js";import"../chunks/chunk-6VB3Z7OA.js";import"../chunks/chunk-7V5ELEBW.js";import"../chunks/chunk-4HJD7QUG.js";import{a as m}from"../chunks/chunk-HTNPA5B3.js";import{f as s,g as p,h as t,j as c}from"../chunks/chunk-GVQULVJX.js";import{a as i,j as o}from"../chunks/chunk-IVHT2IZ6.js";import"../chunks/chunk-ERV4GWKY.js";import"../chunks/chunk-NCT52SLG.js";import"../chunks/chunk-KEKOQBUL.js";import"../chunks/chunk-Y3IVT4GW.js";var E={...p("create-branch"),created:!1};async function O(){let f=n(),{settings:r,exportEnv:v,skipReason:a}=u(f);if(a){o(a,{title:"Preview database skipped"}),t({...E,"branch-name":r.request.branchName,skipped:!0});return}let{createPreview:P,describePreview:b}=await import("../chunks/create-branch-ZUV36SF6.js"),e=await P(r,s);d(v,e),t({...w(e),skipped:!1}),await i.addRaw(`### Preview database

${b(e).map(T=>`- ${T}`).join(`
`)}
`).write()}await c(O,m);
//# sourceMappingURL=index.js.map
