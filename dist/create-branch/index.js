import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as d,b as v}from"../chunks/chunk-OYOSWPHH.js";import{a as n,b as s,c as w}from"../chunks/chunk-ABVI6QVH.js";import"../chunks/chunk-72ND4VJV.js";import{a as p}from"../chunks/chunk-VWYH4WAS.js";import"../chunks/chunk-KAOFVWIN.js";import"../chunks/chunk-HOJB2WWI.js";import"../chunks/chunk-AD5WEEAL.js";import"../chunks/chunk-YBEOWTAK.js";import{a as f}from"../chunks/chunk-HTNPA5B3.js";import"../chunks/chunk-K7M6NPVS.js";import{e as i,j as o,s as c,t as m,u as t,w as u}from"../chunks/chunk-7AOPKEAX.js";import"../chunks/chunk-4HJD7QUG.js";import"../chunks/chunk-35EGJ6Y5.js";import"../chunks/chunk-Y3IVT4GW.js";var E={...m("create-branch"),created:!1};async function O(){let P=p(),{settings:r,exportEnv:b,skipReason:a}=w(P);if(a){o(a,{title:"Preview database skipped"}),t({...E,"branch-name":r.request.branchName,skipped:!0});return}let e=await n(r,c);v(b,e),t({...d(e),skipped:!1}),await i.addRaw(`### Preview database

${s(e).map(T=>`- ${T}`).join(`
`)}
`).write()}await u(O,f);
//# sourceMappingURL=index.js.map
