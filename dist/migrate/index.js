import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as c,b as u}from"../chunks/chunk-T6KWI6US.js";import{b as p}from"../chunks/chunk-CVUWNMLF.js";import{a as e}from"../chunks/chunk-VWYH4WAS.js";import{h as o,p as i}from"../chunks/chunk-7UJT57QP.js";import"../chunks/chunk-UTAKEQBJ.js";import{b as n}from"../chunks/chunk-HTNPA5B3.js";import"../chunks/chunk-K7M6NPVS.js";import{e as r,s as a,u as m,w as s}from"../chunks/chunk-7AOPKEAX.js";import"../chunks/chunk-4HJD7QUG.js";import"../chunks/chunk-35EGJ6Y5.js";import"../chunks/chunk-Y3IVT4GW.js";async function d(){let f=p(e()),t=await i(f,a),g=c(t);await r.addRaw(o(t)).write(),m(u(t,g)),t.ok||(process.exitCode=t.exitCode||1)}await s(d,n);
//# sourceMappingURL=index.js.map
