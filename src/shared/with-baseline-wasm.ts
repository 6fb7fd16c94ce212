// Imported first by the entry points that parse SQL (the migrate and root actions, the CLI): sets the V8 flags of baseline-wasm.ts before
// libpg-query compiles its WebAssembly (PREVIEW_DB_WASM_TIER_UP=true leaves V8's defaults).
import { needsBaselineFlags, useBaselineWasm } from './baseline-wasm.js';

if (needsBaselineFlags(process.execArgv, process.env)) useBaselineWasm();
