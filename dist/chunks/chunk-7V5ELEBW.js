import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
var o="https://console.neon.tech/api/v2",t=2592e3;export{o as a,t as b};
//# sourceMappingURL=chunk-7V5ELEBW.js.map
