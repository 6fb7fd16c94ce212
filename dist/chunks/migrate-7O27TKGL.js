import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{g as l,h as m,i as n,j as o,k as p,l as q,m as r,n as s,o as t,p as u,q as v,r as w,s as x}from"./chunk-RAG4UYFV.js";import"./chunk-2AQPWDOB.js";import"./chunk-LIX53BB7.js";import"./chunk-UTAKEQBJ.js";import"./chunk-EYFWJNDU.js";import{e as a,f as b,g as c,h as d,i as e,j as f,k as g,l as h,m as i,n as j,o as k}from"./chunk-E2QJYCOJ.js";import"./chunk-4HJD7QUG.js";import"./chunk-ERV4GWKY.js";import"./chunk-NCT52SLG.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{w as ANNOTATIONS_PER_KIND,a as DEFAULT_HISTORY_TABLE,o as FINDINGS_OUTPUT_BYTES,x as FULL_FINDINGS_LIST,c as KNOWN_RULES,t as OFFLINE_REASON,r as PROFILES,b as RUNNERS,p as TRUNCATED_RULE,v as describeFailure,q as findingsOutput,h as isOffline,g as isPooledNeonUrl,u as migrate,l as migrateHeadline,f as migrateSettings,e as parseTableName,s as readMigrationSet,m as renderMigrateReport,n as renderMigrateSummary,j as unreadableMigrationsDir,k as validateOptions,d as validateRuleNames,i as validateSettings};
//# sourceMappingURL=migrate-7O27TKGL.js.map
