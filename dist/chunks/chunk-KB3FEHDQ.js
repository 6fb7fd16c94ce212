import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
var t=class extends Error{constructor(s,e){super(s);this.partial=e;this.name="SnapshotIncompleteError"}partial};function o(r){let n=Math.max(1,r?.pollFloorMs??1e3);return{initialIntervalMs:n,maxIntervalMs:n*5,retryBaseMs:Math.max(1,Math.round(n/4)),retryMaxMs:n*10}}export{t as a,o as b};
//# sourceMappingURL=chunk-KB3FEHDQ.js.map
