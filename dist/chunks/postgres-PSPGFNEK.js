import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{b as e,c as f,d as g,e as h,f as i,g as j,h as k,i as l,j as m,k as n,l as o}from"./chunk-2AQPWDOB.js";import{b as a}from"./chunk-LIX53BB7.js";import{a as b,b as c,c as d}from"./chunk-EYFWJNDU.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{e as TRANSIENT_SQLSTATES,a as abortableSleep,g as classifyPostgresError,n as connectWithRetry,m as connectionFailureHint,i as describeTarget,b as describeUrl,h as isConnectionLoss,f as isTransientPostgresError,l as newClient,j as serverVersionNum,k as versionFromRow,o as waitForSelectOne,d as withCredentials,c as withDatabase};
//# sourceMappingURL=postgres-PSPGFNEK.js.map
