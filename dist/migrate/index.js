import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as c,b as u}from"../chunks/chunk-NY3UDHW7.js";import{d as p}from"../chunks/chunk-7ANJ7CDA.js";import{a as e}from"../chunks/chunk-NQ73VBCE.js";import{k as o,z as i}from"../chunks/chunk-HUPISFJH.js";import"../chunks/chunk-UTAKEQBJ.js";import"../chunks/chunk-QNJX3HZV.js";import"../chunks/chunk-6EYNJ4NS.js";import{b as n}from"../chunks/chunk-HTNPA5B3.js";import{f as a,h as m,j as s}from"../chunks/chunk-SI3N3X5U.js";import{a as r}from"../chunks/chunk-OV4AXA4F.js";import"../chunks/chunk-ERV4GWKY.js";import"../chunks/chunk-4HJD7QUG.js";import"../chunks/chunk-PKEE3M75.js";import"../chunks/chunk-KEKOQBUL.js";import"../chunks/chunk-Y3IVT4GW.js";async function d(){let f=p(e()),t=await i(f,a),g=c(t);await r.addRaw(o(t)).write(),m(u(t,g)),t.ok||(process.exitCode=t.exitCode||1)}await s(d,n);
//# sourceMappingURL=index.js.map
