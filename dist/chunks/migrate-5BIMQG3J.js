import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{A as t,B as u,C as v,c as a,i as b,j as c,k as d,l as e,m as f,n as g,o as h,p as i,q as j,r as k,s as l,t as m,u as n,v as o,w as p,x as q,y as r,z as s}from"./chunk-HUPISFJH.js";import"./chunk-UTAKEQBJ.js";import"./chunk-QNJX3HZV.js";import"./chunk-6EYNJ4NS.js";import"./chunk-ERV4GWKY.js";import"./chunk-4HJD7QUG.js";import"./chunk-PKEE3M75.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{u as ANNOTATIONS_PER_KIND,l as DEFAULT_HISTORY_TABLE,e as FINDINGS_OUTPUT_BYTES,v as FULL_FINDINGS_LIST,a as KNOWN_RULES,k as OFFLINE_REASON,i as PROFILES,h as RUNNERS,f as TRUNCATED_RULE,t as describeFailure,g as findingsOutput,o as isOffline,n as isPooledNeonUrl,s as migrate,b as migrateHeadline,m as migrateSettings,j as readMigrationSet,c as renderMigrateReport,d as renderMigrateSummary,q as validateDatabaseUrl,r as validateOptions,p as validateSettings};
//# sourceMappingURL=migrate-5BIMQG3J.js.map
