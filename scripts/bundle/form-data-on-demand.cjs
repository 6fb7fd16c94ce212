// Stands in for `form-data` inside axios (the Neon client's HTTP stack) in the action bundles.
// axios requires it at load time, and with it mime-types and mime-db (~165 KB: about 10 ms of
// CPU before a Neon client's first request), but only uses it to build a multipart body from a
// plain object, which no client here sends (the Neon client's one multipart call passes a WHATWG
// FormData, which axios streams itself). The real one, bundled apart as dist/vendor/form-data.cjs,
// loads on first use. Every output file sits one directory below dist/.
// CommonJS, as axios requires it: `module.exports` is the class itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createRequire } = require('node:module');

let FormData;

module.exports = class FormDataOnDemand {
  constructor(...args) {
    FormData ??= createRequire(__filename)('../vendor/form-data.cjs');
    return new FormData(...args);
  }
};
