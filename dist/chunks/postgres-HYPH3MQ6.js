import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{b as e,c as f,d as g,e as h,f as i,g as j,h as k,i as l,j as m,k as n}from"./chunk-F4UUONI7.js";import{b as a}from"./chunk-LIX53BB7.js";import{a as b,b as c,c as d}from"./chunk-EYFWJNDU.js";import"./chunk-KEKOQBUL.js";import"./chunk-Y3IVT4GW.js";export{e as TRANSIENT_SQLSTATES,a as abortableSleep,g as classifyPostgresError,m as connectWithRetry,l as connectionFailureHint,i as describeTarget,b as describeUrl,h as isConnectionLoss,f as isTransientPostgresError,k as newClient,j as serverVersionNum,n as waitForSelectOne,d as withCredentials,c as withDatabase};
//# sourceMappingURL=postgres-HYPH3MQ6.js.map
