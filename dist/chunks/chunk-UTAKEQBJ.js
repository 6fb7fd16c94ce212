import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
function f(n){return(n==null?"":String(n)).replace(/\r\n?/g,`
`).trim().replace(/\|/g,"\\|").replace(/\n/g,"<br>")}function $(n,e,s={}){if(n.length===0)throw new Error("table: the header needs at least one column");let r=t=>`| ${n.map((c,i)=>f(t[i])).join(" | ")} |`,o=n.map((t,c)=>{switch(s.align?.[c]){case"right":return"---:";case"center":return":---:";case"left":return":---";default:return"---"}});return[r(n),`| ${o.join(" | ")} |`,...e.map(r)].join(`
`)}function m(n){let e=n.replace(/\r?\n/g," ");if(e==="")return"` `";let s=Math.max(0,...(e.match(/`+/g)??[]).map(t=>t.length)),r="`".repeat(s+1),o=e.startsWith("`")||e.endsWith("`")||/^ .* $/.test(e)?" ":"";return`${r}${o}${e}${o}${r}`}function x(n,e=""){let s=Math.max(0,...(n.match(/`{3,}/g)??[]).map(o=>o.length)),r="`".repeat(Math.max(3,s+1));return`${r}${e}
${n.replace(/\n$/,"")}
${r}`}function w(n,e,s={}){return`<details${s.open?" open":""}>
<summary>${p(n)}</summary>

${e.trim()}

</details>`}function p(n){return n.replace(/&/g,"&amp;").replace(/</g,"&lt;").replace(/>/g,"&gt;").replace(/"/g,"&quot;")}function b(n,e,s=r=>`_This text was shortened: it had ${r.toLocaleString("en-US")} characters, more than the ${e.toLocaleString("en-US")} allowed._`){if(n.length<=e)return{text:n,truncated:!1};let r=`

${s(n.length)}`,o=e-r.length-64;if(o<0)throw new Error(`truncateMarkdown: limit ${e} leaves no room for the note`);let t=n.slice(0,o),c=t.lastIndexOf(`
`);c>o*.9&&(t=t.slice(0,c));let i=t.charCodeAt(t.length-1);i>=55296&&i<=56319&&(t=t.slice(0,-1));let g=[],u=[...t.matchAll(/^ {0,3}(`{3,}|~{3,})/gm)].map(a=>a[1]),l;for(let a of u)l===void 0?l=a:a[0]===l[0]&&a.length>=l.length&&(l=void 0);l!==void 0&&g.push(l);let h=(t.match(/<details[\s>]/g)??[]).length-(t.match(/<\/details>/g)??[]).length;for(let a=0;a<Math.min(h,4);a++)g.push("</details>");let d=`${t}${g.length?`
${g.join(`
`)}`:""}${r}`;if(d.length>e){o=e-r.length;let a=n.charCodeAt(o-1);d=`${n.slice(0,a>=55296&&a<=56319?o-1:o)}${r}`}return{text:d,truncated:!0}}export{f as a,$ as b,m as c,x as d,w as e,b as f};
//# sourceMappingURL=chunk-UTAKEQBJ.js.map
