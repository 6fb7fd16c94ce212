import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{i as f}from"./chunk-RAG4UYFV.js";import"./chunk-2AQPWDOB.js";import"./chunk-LIX53BB7.js";import{a as p,b as m,c as t,d as c,e as g}from"./chunk-UTAKEQBJ.js";import"./chunk-EYFWJNDU.js";import"./chunk-E2QJYCOJ.js";import"./chunk-4HJD7QUG.js";import"./chunk-ERV4GWKY.js";import"./chunk-NCT52SLG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";var b="preview",h=4e4,$={created:"created",reused:"reused (a later push)",reset:"reset to the parent",recreated:"recreated"};function u(e){let r=e.sha?`for ${t(e.sha.slice(0,7))}`:"",n=e.runUrl?` \xB7 [workflow run](${e.runUrl})`:"";return`<sub>preview-db ${r}${n}</sub>`}function w(e){if(!e)return"";if(e.source==="neon"){if(!e.diff.trim())return`#### Schema against ${t(e.against)}

No schema changes.
`;let n=`${e.added} line(s) added, ${e.removed} removed in the schema against ${t(e.against)}`;return`#### Schema against ${t(e.against)}

${g(n,c(e.diff,"diff"),{open:e.added+e.removed<=40})}
`}if(e.changes.length===0)return`#### Schema against ${t(e.against)}

No schema changes.
`;let r=e.changes.map(n=>[n.change==="added"?"\u2795 added":n.change==="removed"?"\u2796 removed":"\u270F\uFE0F changed",n.kind,t(n.name),n.change==="changed"?`${t(n.before??"")} \u2192 ${t(n.after??"")}`:t((n.after??n.before??"")||"\u2014")]);return`#### Schema against ${t(e.against)}

${m(["Change","Kind","Name","Definition"],r)}
`}function x(e,r){let{preview:n,migration:o}=e,a=o?o.ok?o.findings.some(l=>l.severity==="error")||o.locks.some(l=>l.overThreshold)?"\u26A0\uFE0F":"\u2705":"\u274C":"\u2705",i=[["Preview",`${t(n.branchName)} \u2014 ${$[n.outcome]}${n.consoleUrl?` \xB7 [open in the console](${n.consoleUrl})`:""}`],["Database",`${t(n.database)} on ${t(n.host)} as ${t(n.role)}`]];n.parentName&&i.push(["Cloned from",t(n.parentName)]),i.push(["Expires",n.expiresAt?p(n.expiresAt):"when the pull request closes"]);let s=[`### ${a} Preview database ${t(n.branchName)}`,"",m(["",""],i),"","The connection URL is in the workflow run's outputs, never here.",""];o?s.push(f(o,h),""):s.push("No migrations configured.","");let d=w(e.schema);return d&&s.push(d),s.push(u(r)),s.join(`
`)}function y(e,r,n){let o=r.deleted.includes(e)||r.alreadyGone.includes(e),a=r.dryRun?`### \u{1F9EA} Preview database ${t(e)} would be deleted (dry run)`:o?`### \u{1F5D1}\uFE0F Preview database ${t(e)} deleted`:`### \u274C Preview database ${t(e)} was not deleted`,i=o?"":r.rows.find(d=>d.name===e)?.detail??r.failure??"No preview by that name was found.",s=[a,""];return r.alreadyGone.includes(e)?s.push("It was already gone (expired, or deleted by an earlier run).",""):o&&!r.dryRun&&s.push("The pull request is closed; nothing is billed for this preview any more.",""),i&&s.push(p(i),""),s.push(u(n)),s.join(`
`)}function R(e,r,n,o){return[`### ${n.ok?n.findings.some(i=>i.severity==="error")?"\u26A0\uFE0F":"\u2705":"\u274C"} Migrations linted; no preview database ${t(e)}`,"",r,"",f(n),"",u(o)].join(`
`)}function S(e,r,n){return[`### \u274C Preview database ${t(e)} could not be created`,"",c(r),"","The workflow run has the details. Fix the cause and push again (or re-run the job).","",u(n)].join(`
`)}export{b as COMMENT_KEY,h as MIGRATION_SECTION_CHARS,y as renderClosedComment,S as renderFailedComment,R as renderLintOnlyComment,x as renderOpenComment,w as renderSchemaReport};
//# sourceMappingURL=comment-GYAYQPEP.js.map
