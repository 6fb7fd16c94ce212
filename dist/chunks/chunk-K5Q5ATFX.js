import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
function n(r){let i={"managed-by":"preview-db"};return r.repository&&(i["github-repo"]=r.repository),r.pullRequest&&(i["github-pr-number"]=String(r.pullRequest)),r.sha&&(i["github-commit-sha"]=r.sha),r.runId&&(i["github-run-url"]=`${r.serverUrl}/${r.repository}/actions/runs/${r.runId}`),i}export{n as a};
//# sourceMappingURL=chunk-K5Q5ATFX.js.map
