import { createRequire as __previewDbCreateRequire } from 'node:module';
import { fileURLToPath as __previewDbFileURLToPath } from 'node:url';
const require = __previewDbCreateRequire(import.meta.url);
const __filename = __previewDbFileURLToPath(import.meta.url);
const __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));
var e={provider:"provider",postgresAdminUrl:"postgres-url",neonApiKey:"neon-api-key",neonProjectId:"neon-project-id",branchName:"branch-name",parent:"parent",database:"database",role:"role",template:"template"},n={databaseUrl:"database-url",command:"command",seed:"seed",exportEnv:"export-env",checkDown:"check-down",requireDown:"require-down"};export{e as a,n as b};
//# sourceMappingURL=chunk-HTNPA5B3.js.map
