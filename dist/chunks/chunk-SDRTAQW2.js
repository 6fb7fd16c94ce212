import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{k as T}from"./chunk-2AQPWDOB.js";import{d as O}from"./chunk-LIX53BB7.js";import{a as A,b as m}from"./chunk-EYFWJNDU.js";import{a,c as R,f as p,g as E}from"./chunk-NCT52SLG.js";import{createHash as I,createHmac as N,pbkdf2Sync as w,randomBytes as $}from"node:crypto";var f=63,g="_owner";function S(e){return e.length+g.length<=f?`${e}${g}`:`${e.slice(0,f-g.length-9)}_${R(e)}${g}`}function D(e,r){let{user:n,password:o}=A(e);return N("sha256",`${n}:${o}`).update(`preview-db role ${r}`).digest("base64url")}function y(e,r=$(16),n=4096){let o=w(e.normalize("NFKC"),r,n,32,"sha256"),s=N("sha256",o).update("Client Key").digest(),t=I("sha256").update(s).digest(),i=N("sha256",o).update("Server Key").digest();return`SCRAM-SHA-256$${n}:${r.toString("base64")}$${t.toString("base64")}:${i.toString("base64")}`}function l(e){return`managed-by=${a}; database=${e}`}async function b(e){let{rows:r}=await e.query("SELECT rolcreaterole OR rolsuper AS can FROM pg_roles WHERE rolname = current_user");return!!r[0]?.can}var h=`
DO $transfer$
DECLARE
  target regrole := %ROLE%::regrole;
  item record;
BEGIN
  FOR item IN
    SELECT 1 AS step, format('ALTER SCHEMA %I OWNER TO %I', n.nspname, target) AS statement
      FROM pg_namespace n
     WHERE n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%'
       AND n.nspowner NOT IN (target, 'pg_database_owner'::regrole)
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 2, format('ALTER %s %I.%I OWNER TO %I',
                     CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                     n.nspname, c.relname, target)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%'
       AND c.relowner <> target
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
    UNION ALL
    SELECT 3, format('ALTER %s %s OWNER TO %I', CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, p.oid::regprocedure, target)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND p.proowner <> target
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 4, format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype, target)
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND t.typowner <> target
       AND (t.typtype IN ('d', 'e', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
    ORDER BY 1
  LOOP
    EXECUTE item.statement;
  END LOOP;
END
$transfer$`;async function _(e,r,n,o,s){let t=S(n),i=D(r,t);s.secret(i);let{rows:d}=await e.query("SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1",[t]);if(d.length>0&&d[0].comment!==l(n))throw new Error(`role '${t}' already exists and is not the preview role of '${n}' (no preview-db mark); refusing to take it over. Drop or rename it.`);if(d.length===0)try{await e.query("BEGIN"),await e.query(`CREATE ROLE ${p(t)} LOGIN PASSWORD ${E(y(i))}`),await e.query(`COMMENT ON ROLE ${p(t)} IS ${E(l(n))}`),await e.query("COMMIT")}catch(c){if(await e.query("ROLLBACK").catch(()=>{}),!["42710","23505"].includes(c.code??""))throw c}else await e.query(`ALTER ROLE ${p(t)} LOGIN PASSWORD ${E(y(i))}`);let{rows:L}=await e.query("SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user");L[0]?.su||await e.query(`GRANT ${p(t)} TO CURRENT_USER`).catch(c=>s.debug(`GRANT ${t} TO CURRENT_USER: ${c.message}`)),await e.query(`ALTER DATABASE ${p(n)} OWNER TO ${p(t)}`),await e.query(`REVOKE ALL ON DATABASE ${p(n)} FROM PUBLIC`);let u=await T(m(r,n),o,s,`preview database '${n}'`);try{await u.query(h.replace("%ROLE%",E(t)))}finally{await u.end().catch(()=>{})}return{role:t,password:i}}function F(e,r,n,o,s){return O(()=>_(e,r,n,o,s),{deadline:o,classify:t=>["40001","40P01","XX000"].includes(t.code??"")?{retry:!0,reason:t.message}:{retry:!1}})}async function q(e,r,n){let o=S(r),{rows:s}=await e.query("SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1",[o]);if(s.length===0||s[0].comment!==l(r))return!1;try{return await e.query(`DROP ROLE IF EXISTS ${p(o)}`),!0}catch(t){return n.warning(`Dropped database '${r}' but not its role '${o}': ${t.message}. postgres-url's role needs CREATEROLE to drop it.`),!1}}function v(e){let r=[`managed-by=${a}`,`branch=${encodeURIComponent(e.branch)}`,`created-at=${e.createdAt}`];return e.expiresAt&&r.push(`expires-at=${e.expiresAt}`),e.repository&&r.push(`repo=${encodeURIComponent(e.repository)}`),e.pullRequest&&r.push(`pr=${e.pullRequest}`),r.join("; ")}function U(e){if(!e)return;let r=new Map(e.split(";").map(t=>{let i=t.indexOf("=");return[t.slice(0,i).trim(),t.slice(i+1).trim()]}));if(r.get("managed-by")!==a||!r.get("branch"))return;let n,o;try{n=decodeURIComponent(r.get("branch")),o=r.get("repo")?decodeURIComponent(r.get("repo")):void 0}catch{return}let s=/^\d+$/.test(r.get("pr")??"")?Number(r.get("pr")):void 0;return{branch:n,createdAt:r.get("created-at")??"",expiresAt:r.get("expires-at")||void 0,repository:o,pullRequest:s}}export{D as a,y as b,b as c,F as d,q as e,v as f,U as g};
//# sourceMappingURL=chunk-SDRTAQW2.js.map
