import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
import{a as e}from"./chunk-KEKOQBUL.js";var s="row-count:",r=20;function i(t,n="record-counts"){if(t.length>r)throw new e(n,`names ${t.length} tables; at most ${r} fit in the snapshot's tags. Pick the tables whose loss you would notice first.`);for(let o of t)if(!/^[A-Za-z0-9_$]+(\.[A-Za-z0-9_$]+)?$/.test(o)||`${s}${o}`.length>128)throw new e(n,`'${o}' is not a table name this action can record (table or schema.table; letters, digits, _ and $; the tag key row-count:<table> must fit in 128 characters).`);return t}export{s as a,i as b};
//# sourceMappingURL=chunk-U3QSYS6V.js.map
