// OpenAPI conformance checks for the fake Neon API, against the spec that ships with
// @neondatabase/api-client (public-v2-for-users.gen.yaml), validated with Ajv.
//
// Why not openapi-backend: it require()s @apidevtools/json-schema-ref-parser, which is
// ESM-only, and jest's module runtime cannot require() ESM, so it does not load under jest.
// This file does the little routing it needs (path templates → operation) and compiles one
// Ajv validator per request/response schema, lazily; `$ref`s point into the spec document,
// which is registered once as `neon.json`. The parsed YAML (~0.7 s to parse) is cached as JSON
// in the OS temp directory, keyed by the spec file's size and mtime.
import { readFileSync, writeFileSync, statSync, existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import YAML from 'yaml';

const require = createRequire(import.meta.url);

function specPath(): string {
  const pkg = require.resolve('@neondatabase/api-client/package.json');
  return join(dirname(pkg), 'public-v2-for-users.gen.yaml');
}

let cachedDocument: Record<string, unknown> | undefined;

export function loadNeonSpec(): Record<string, unknown> {
  if (cachedDocument) return cachedDocument;
  const path = specPath();
  const stat = statSync(path);
  const cacheFile = join(tmpdir(), `preview-db-neon-spec-${stat.size}-${Math.floor(stat.mtimeMs)}.json`);
  if (existsSync(cacheFile)) {
    try {
      cachedDocument = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, unknown>;
      return cachedDocument;
    } catch {
      // fall through and re-parse
    }
  }
  cachedDocument = YAML.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(cachedDocument));
  renameSync(tmp, cacheFile);
  return cachedDocument;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export interface RequestShape {
  method: string;
  path: string; // relative to /api/v2, e.g. /projects/x/branches
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

export interface SpecValidator {
  /** Matches the request to an operation and validates it. operationId is undefined when no route matches. */
  checkRequest(req: RequestShape): { operationId?: string; errors: string[] };
  checkResponse(operationId: string, status: number, body: unknown): string[];
  /** The operationId a method + path (relative to /api/v2) routes to, if any. */
  operationIdFor(method: string, path: string): string | undefined;
}

type Json = Record<string, unknown>;

interface OperationEntry {
  method: string;
  template: string;
  regex: RegExp;
  paramNames: string[];
  literalSegments: number;
  operation: Json;
  pathParams: Json[];
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params ?? {})}`.trim());
}

/** Points local refs (#/components/...) at the registered spec document. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(schema as Json)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `neon.json${v}` : rebase(v);
    }
    return out;
  }
  return schema;
}

export async function createSpecValidator(): Promise<SpecValidator> {
  const doc = loadNeonSpec() as Json & { paths: Record<string, Json>; components: Json };
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
  ajv.addFormat('date-time', DATE_TIME);
  ajv.addFormat('uuid', UUID);
  ajv.addFormat('email', EMAIL);
  for (const f of ['int64', 'int32', 'int', 'float', 'double', 'byte', 'binary', 'password', 'uri', 'ipv4', 'ipv6', 'hostname', 'date']) {
    ajv.addFormat(f, true);
  }
  ajv.addSchema({ $id: 'neon.json', components: doc.components } as never);

  const deref = (obj: Json): Json => {
    let cur = obj;
    for (let i = 0; i < 10 && typeof cur.$ref === 'string'; i++) {
      const parts = (cur.$ref as string).replace(/^#\//, '').split('/');
      let next: unknown = doc;
      for (const p of parts) next = (next as Json)[p];
      cur = next as Json;
    }
    return cur;
  };

  const entries: OperationEntry[] = [];
  const byId = new Map<string, OperationEntry>();
  for (const [template, item] of Object.entries(doc.paths)) {
    const pathParams = ((item.parameters ?? []) as Json[]).map(deref);
    const paramNames: string[] = [];
    const regex = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, name: string) => {
        paramNames.push(name);
        return '([^/]+)';
      })}$`,
    );
    const literalSegments = template.split('/').filter((seg) => seg && !seg.startsWith('{')).length;
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const entry: OperationEntry = { method: method.toUpperCase(), template, regex, paramNames, literalSegments, operation, pathParams };
      entries.push(entry);
      if (typeof operation.operationId === 'string') byId.set(operation.operationId, entry);
    }
  }
  // Prefer templates with more literal segments: /branches/count before /branches/{branch_id}.
  entries.sort((a, b) => b.literalSegments - a.literalSegments || a.paramNames.length - b.paramNames.length);

  const compiled = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: unknown): ValidateFunction => {
    const cached = compiled.get(key);
    if (cached) return cached;
    const v = ajv.compile(rebase(schema) as object);
    compiled.set(key, v);
    return v;
  };

  const coerce = (value: string, schema: Json): unknown => {
    const s = deref(schema);
    if (s.type === 'integer' || s.type === 'number') return value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
    if (s.type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
    if (s.type === 'array') return value.split(',');
    return value;
  };

  return {
    checkRequest(req) {
      const method = req.method.toUpperCase();
      let match: RegExpExecArray | null = null;
      const entry = entries.find((e) => e.method === method && (match = e.regex.exec(req.path)) !== null);
      if (!entry || !match) return { errors: [`${method} ${req.path}: no such operation in the spec`] };
      const operationId = String(entry.operation.operationId);
      const errors: string[] = [];
      const params = [...entry.pathParams, ...((entry.operation.parameters ?? []) as Json[]).map(deref)];
      for (const p of params) {
        const name = String(p.name);
        const schema = (p.schema ?? {}) as Json;
        let raw: string | undefined;
        if (p.in === 'path') {
          const idx = entry.paramNames.indexOf(name);
          raw = idx >= 0 ? decodeURIComponent((match as RegExpExecArray)[idx + 1]!) : undefined;
        } else if (p.in === 'query') {
          const q = req.query[name];
          raw = Array.isArray(q) ? q.join(',') : q;
        } else {
          continue;
        }
        if (raw === undefined) {
          if (p.required) errors.push(`${p.in} parameter "${name}" is required`);
          continue;
        }
        const v = compile(`${operationId}:param:${p.in}:${name}`, schema);
        if (!v(coerce(raw, schema))) errors.push(...describe(v.errors).map((e) => `${p.in} parameter "${name}": ${e}`));
      }
      const requestBody = entry.operation.requestBody ? deref(entry.operation.requestBody as Json) : undefined;
      const bodySchema = (requestBody?.content as Json | undefined)?.['application/json'] as Json | undefined;
      if (req.body === undefined) {
        if (requestBody?.required) errors.push('request body is required');
      } else if (!bodySchema?.schema) {
        errors.push('the operation takes no JSON request body');
      } else {
        const v = compile(`${operationId}:body`, bodySchema.schema);
        if (!v(req.body)) errors.push(...describe(v.errors).map((e) => `body${e}`));
      }
      return { operationId, errors };
    },
    operationIdFor(method, path) {
      const m = method.toUpperCase();
      const entry = entries.find((e) => e.method === m && e.regex.test(path));
      return entry ? String(entry.operation.operationId) : undefined;
    },
    checkResponse(operationId, status, body) {
      const entry = byId.get(operationId);
      if (!entry) return [`unknown operation ${operationId}`];
      const responses = (entry.operation.responses ?? {}) as Json;
      const declared = (responses[String(status)] ?? responses.default) as Json | undefined;
      if (!declared) return [`status ${status} is not documented for ${operationId}`];
      const response = deref(declared);
      const content = (response.content as Json | undefined)?.['application/json'] as Json | undefined;
      if (!content?.schema) return body === undefined ? [] : [`status ${status} of ${operationId} has no JSON body in the spec`];
      if (body === undefined) return [`status ${status} of ${operationId} must have a JSON body`];
      const key = `${operationId}:response:${responses[String(status)] ? status : 'default'}`;
      const v = compile(key, content.schema);
      return v(body) ? [] : describe(v.errors);
    },
  };
}
