// A faithful, stateful fake of the Neon API v2 for the test suite.
//
// STATUS: usable since 01:50 UTC, complete since 01:55 UTC (core: create/get/list/update/delete branches,
// connection_uri, endpoints, operations, databases/roles, on real databases), and
// restore, schema/compare_schema, snapshots and anonymized branches. All of it is exercised by
// __tests__/fake-neon.test.ts through the real api-client.
//
// Usage:
//   const fake = await startFakeNeon({ postgresUrl: process.env.TEST_DATABASE_URL! });
//   const api = createApiClient({ apiKey: fake.apiKey, baseURL: fake.apiHost });
//   ... api.createProjectBranch(fake.projectId, { branch: { name }, endpoints: [{ type: 'read_write' }] })
//   expect(fake.violations).toEqual([]);   // OpenAPI conformance of everything exchanged
//   await fake.close();                     // drops every real database and the role it created
//
// It speaks HTTP at http://127.0.0.1:<port>/api/v2, so the product's real
// @neondatabase/api-client talks to it unchanged (createApiClient({ apiKey, baseURL: apiHost })).
// Every request and response is validated against the OpenAPI spec shipped with the client
// (see spec.ts); violations are collected in `violations` (a non-conforming request is also
// answered 400, like Neon would).
//
// Realism notes and deliberate choices:
// - Branches are backed by real databases on the test Postgres: a child's databases are
//   `CREATE DATABASE ... TEMPLATE <parent's database>` (see postgres.ts for the template caveat:
//   sessions on the parent database are terminated when it is cloned).
// - API names vs real names: the API reports the database `neondb` and the role `neondb_owner`
//   (as Neon does); the real Postgres objects carry a per-instance suffix so parallel test
//   files never collide: `fake.roleName` / `fake.realDatabaseName(branchId, 'neondb')`.
//   Connection URIs carry the real names (they must work).
// - Connection URIs: direct = the real Postgres port; pooled = a TCP pass-through port inside
//   the fake (so they differ and both work); read_only endpoints get
//   `?options=-c default_transaction_read_only=on` (the session is really read-only).
//   No `sslmode` (the test Postgres has no TLS).
// - Operations stay 'running' for operationDelayMs after the call, then 'finished'
//   (computed from the clock). While a branch has a running operation, deleting or restoring
//   it answers 423 with Neon's message; lockProject(ms) makes every mutation 423.
// - Duplicate branch name → 409 with "branch already exists" (as Neon; neonctl telemetry and
//   create-branch-action issues show that message under 409). Deleting the default branch, a
//   protected branch or a branch with children → 422 (Neon refuses all three; the exact status
//   could not be confirmed, so product code should treat 4xx other than 404/409/423/429 as
//   permanent). Deleting a branch that is gone → 404; the spec also documents 204 for that,
//   so product code should accept both as "already deleted".
// - expires_at must be RFC 3339 with precision up to seconds (as Neon documents, e.g.
//   2025-06-09T18:02:16Z; `new Date().toISOString()` has milliseconds and is refused), in the
//   future and at most 30 days ahead → otherwise 400.
// - inject({ path }): a string matches the request path with or without the /api/v2 prefix, or
//   its tail ('/branches'); a RegExp is tested against path+query. Faults apply before auth,
//   rate limiting and validation; a status fault answers Neon's error body {code, message,
//   request_id} (or `body`) with Retry-After when given; dropConnection destroys the socket.
// - rateLimit: {} turns it on with Neon's numbers (40 requests/s per route, 700/min per
//   account); 429 carries Retry-After in seconds.
// - seedBranch({ virtual: true }) creates no real database (thousands are cheap); such
//   branches list and delete normally, but connection_uri on them answers 422. A seeded
//   lastActiveAt shows as `last_active` on the branch's endpoints (Neon has no such field on
//   the branch itself).
// - restore (POST /branches/{id}/restore): re-clones every database from source_branch_id's
//   current state and keeps the branch id (and endpoints, so connection URIs keep their
//   shape; the real database name changes); preserve_under_name keeps the old databases as a
//   new branch. Restoring a branch to its own history (source = itself, lsn/timestamp) is
//   refused with 400: the fake keeps no history. A branch with children needs
//   preserve_under_name (422 otherwise).
// - init_source 'schema-only': cloned from the parent, then every user table is TRUNCATEd
//   (RESTART IDENTITY CASCADE); no pg_dump needed.
// - compare_schema / schema: a pg_dump-like text built from the catalogs (schemas, enums,
//   sequences, tables with columns/defaults/NOT NULL, views, constraints, indexes, functions),
//   and a real unified diff (`--- a/<base>/<db>`, `+++ b/<branch>/<db>`); '' when equal.
// - branch_anonymized: masking rules are applied by UPDATE on the clone (see postgres.ts for
//   the emulated anon.* functions) at once, but anonymized_status reads 'initialized' before a
//   start and 'anonymizing' for operationDelayMs after it (then 'anonymized' or 'error'), so
//   callers poll as with Neon; masking_rules GET/PATCH and anonymize are there too.
// - snapshots: a snapshot is a real template copy of the branch's databases; restore makes a
//   new branch from it (finalize_restore swaps names and moves the target's endpoints).
// - breakResponses({ dropBranchField }) is a debug switch that drops a field from every
//   Branch in responses, to show the conformance check can fail.
// - Endpoint types are an enum in the client's typings: `type: EndpointType.ReadWrite`.
// - list branches: no `limit` = everything (as Neon); with `limit`, `pagination.next` is an
//   opaque cursor present only while more results follow; `pagination.sort_by/sort_order`
//   always echo the effective sort.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { RealPostgres, type MaskingRuleSpec } from './postgres.js';
import { startTcpProxy, type TcpProxy } from './proxy.js';
import { createSpecValidator, type SpecValidator } from './spec.js';
import { unifiedDiff } from './diff.js';

export interface FakeNeonOptions {
  postgresUrl: string;
  operationDelayMs?: number;
  latencyMs?: number;
  /**
   * A compute that is still starting: when set, connection URIs go through a gate that
   * closes connections to a branch's databases until this long after the branch's last
   * operation finished (as a Neon compute refuses them while it boots). Off by default.
   */
  computeStartMs?: number;
  rateLimit?: { perRoutePerSecond?: number; perMinute?: number };
  validate?: boolean;
}

export interface FakeDatabase {
  id: number;
  name: string;
  ownerName: string;
  /** The real database on the test Postgres, or null for virtual branches. */
  realName: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface FakeEndpoint {
  id: string;
  branchId: string;
  type: 'read_write' | 'read_only';
  currentState: 'init' | 'active' | 'idle';
  suspendTimeoutSeconds: number;
  autoscalingLimitMinCu: number;
  autoscalingLimitMaxCu: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface FakeBranch {
  id: string;
  name: string;
  parentId?: string;
  default: boolean;
  protected: boolean;
  currentState: 'init' | 'ready';
  createdAt: Date;
  updatedAt: Date;
  lastActiveAt?: Date;
  expiresAt?: Date;
  lastResetAt?: Date;
  virtual: boolean;
  initSource: 'parent-data' | 'schema-only';
  databases: FakeDatabase[];
  roles: string[];
  endpoints: FakeEndpoint[];
  annotations: Record<string, string>;
  realDatabases: string[];
  anonymized: boolean;
  maskingRules: MaskingRuleSpec[];
}

export interface FakeNeonFault {
  method?: string;
  path?: string | RegExp;
  status?: number;
  times?: number;
  retryAfter?: string;
  body?: unknown;
  dropConnection?: boolean;
  delayMs?: number;
}

export interface FakeSnapshot {
  id: string;
  name: string;
  sourceBranchId: string;
  createdAt: Date;
  expiresAt?: Date;
  /** API database name → real template database (null when the source branch was virtual). */
  databases: Array<{ name: string; ownerName: string; realName: string | null }>;
}

export interface FakeNeon {
  apiHost: string;
  apiKey: string;
  projectId: string;
  defaultBranch: { id: string; name: string };
  /** The real Postgres role behind the API's `neondb_owner` (unique per fake instance). */
  roleName: string;
  seedBranch(spec: SeedBranchSpec): Promise<FakeBranch>;
  inject(fault: FakeNeonFault): void;
  lockProject(ms: number): void;
  readonly requests: Array<{ method: string; path: string; status: number; at: number }>;
  readonly violations: string[];
  branches(): FakeBranch[];
  snapshots(): FakeSnapshot[];
  realDatabaseName(branchId: string, dbName: string): string;
  /** Debug switch for conformance tests: drop this field from every Branch object in responses. */
  breakResponses(options: { dropBranchField?: string } | null): void;
  close(): Promise<void>;
}

export interface SeedBranchSpec {
  name: string;
  parentId?: string;
  protected?: boolean;
  default?: boolean;
  createdAt?: Date;
  updatedAt?: Date;
  lastActiveAt?: Date;
  expiresAt?: Date;
  virtual?: boolean;
  withEndpoint?: boolean;
  annotations?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------

const API_ROLE = 'neondb_owner';
const API_DB = 'neondb';
const LOCKED_MESSAGE = 'project already has running conflicting operations, scheduling of new ones is prohibited';
const MAX_EXPIRY_MS = 30 * 24 * 3600 * 1000;
const WORDS_A = [
  'aged',
  'bold',
  'calm',
  'damp',
  'eager',
  'fancy',
  'green',
  'hidden',
  'icy',
  'jolly',
  'lively',
  'misty',
  'noisy',
  'odd',
  'proud',
  'quiet',
  'raspy',
  'shiny',
  'tiny',
  'wild',
];
const WORDS_B = [
  'salad',
  'breeze',
  'hill',
  'dream',
  'sound',
  'river',
  'cloud',
  'field',
  'forest',
  'leaf',
  'moon',
  'pond',
  'rain',
  'sea',
  'snow',
  'star',
  'sun',
  'tree',
  'wave',
  'wind',
];

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Operation {
  id: string;
  action: string;
  branchId?: string;
  endpointId?: string;
  createdAt: Date;
  finishAt: number;
}

interface InternalBranch extends Omit<FakeBranch, 'currentState' | 'endpoints' | 'realDatabases'> {
  createOpIds: string[];
  anonymization?: {
    state: string;
    createdAt: Date;
    updatedAt: Date;
    startedAt?: Date;
    completedAt?: Date;
    masked?: number;
    message?: string;
    visibleAt?: number;
  };
}

interface InternalEndpoint extends Omit<FakeEndpoint, 'currentState'> {
  createOpId?: string;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
// Unref'd: a slow answer still pending when a test ends must not keep the process alive.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;
const shortId = (n: number) => randomBytes(n).toString('hex').slice(0, n);

function errorBody(message: string, code = ''): { code: string; message: string; request_id: string } {
  return { code, message, request_id: randomUUID() };
}

export async function startFakeNeon(options: FakeNeonOptions): Promise<FakeNeon> {
  const operationDelayMs = options.operationDelayMs ?? 150;
  const latencyMs = options.latencyMs ?? 0;
  const validate = options.validate ?? true;
  const suffix = shortId(6);
  const projectId = `fake-project-${suffix}`;
  const apiKey = `napi_test_${shortId(24)}`;
  const roleName = `${API_ROLE}_${suffix}`;
  const rolePassword = `npg_${shortId(16)}`;
  const pgUrl = new URL(options.postgresUrl);
  const pgHost = pgUrl.hostname;
  const pgPort = Number(pgUrl.port || 5432);

  const real = new RealPostgres(options.postgresUrl);
  const validatorPromise: Promise<SpecValidator | undefined> = validate ? createSpecValidator() : Promise.resolve(undefined);
  let proxy: TcpProxy | undefined;
  /** Direct connections when computeStartMs is set (the gate); else the real port. */
  let directProxy: TcpProxy | undefined;

  const branches = new Map<string, InternalBranch>();
  const endpoints = new Map<string, InternalEndpoint>();
  const operations: Operation[] = [];
  const opsById = new Map<string, Operation>();
  const snapshots = new Map<string, FakeSnapshot>();
  const createdRealDbs = new Set<string>();
  const faults: Array<FakeNeonFault & { remaining: number }> = [];
  const requests: FakeNeon['requests'] = [];
  const violations: string[] = [];
  const projectCreatedAt = new Date();
  let lockedUntil = 0;
  let dbCounter = 0;
  let dbIdCounter = 1000;
  let breakage: { dropBranchField?: string } | null = null;
  const routeHits = new Map<string, number[]>();
  const minuteHits: number[] = [];

  // ---- helpers over state -------------------------------------------------------------------

  const now = () => Date.now();
  const opStatus = (op: Operation) => (now() >= op.finishAt ? 'finished' : 'running');
  const opRunning = (op: Operation) => now() < op.finishAt;

  function newRealDbName(apiName: string): string {
    dbCounter += 1;
    const clean = apiName
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_')
      .slice(0, 30);
    return `nf_${suffix}_${dbCounter}_${clean}`;
  }

  function newBranchId(): string {
    for (;;) {
      const id = `br-${pick(WORDS_A)}-${pick(WORDS_B)}-${shortId(8)}`;
      if (!branches.has(id)) return id;
    }
  }

  function newEndpointId(): string {
    for (;;) {
      const id = `ep-${pick(WORDS_A)}-${pick(WORDS_B)}-${shortId(8)}`;
      if (!endpoints.has(id)) return id;
    }
  }

  function addOperation(action: string, branchId?: string, endpointId?: string): Operation {
    const op: Operation = { id: randomUUID(), action, branchId, endpointId, createdAt: new Date(), finishAt: now() + operationDelayMs };
    operations.push(op);
    opsById.set(op.id, op);
    return op;
  }

  function branchState(b: InternalBranch): 'init' | 'ready' {
    return b.createOpIds.some((id) => {
      const op = opsById.get(id);
      return op ? opRunning(op) : false;
    })
      ? 'init'
      : 'ready';
  }

  function endpointState(e: InternalEndpoint): 'init' | 'active' {
    if (!e.createOpId) return 'active';
    const op = opsById.get(e.createOpId);
    return op && opRunning(op) ? 'init' : 'active';
  }

  function branchEndpoints(branchId: string): InternalEndpoint[] {
    return [...endpoints.values()].filter((e) => e.branchId === branchId);
  }

  function getBranch(id: string): InternalBranch {
    const b = branches.get(id);
    if (!b) throw new HttpError(404, `branch not found: ${id}`);
    return b;
  }

  function findBranchByName(name: string): InternalBranch | undefined {
    return [...branches.values()].find((b) => b.name === name);
  }

  function defaultBranchRecord(): InternalBranch {
    return [...branches.values()].find((b) => b.default)!;
  }

  function publicBranch(b: InternalBranch): FakeBranch {
    const { createOpIds: _ops, anonymization: _anon, ...rest } = b;
    return {
      ...rest,
      databases: b.databases.map((d) => ({ ...d })),
      roles: [...b.roles],
      annotations: { ...b.annotations },
      maskingRules: b.maskingRules.map((r) => ({ ...r })),
      currentState: branchState(b),
      endpoints: branchEndpoints(b.id).map((e) => publicEndpoint(e)),
      realDatabases: b.databases.map((d) => d.realName).filter((n): n is string => n !== null),
    };
  }

  function publicEndpoint(e: InternalEndpoint): FakeEndpoint {
    const { createOpId: _op, ...rest } = e;
    return { ...rest, currentState: endpointState(e) };
  }

  // ---- JSON shapes (field names exactly as the spec) --------------------------------------

  function branchJson(b: InternalBranch): Record<string, unknown> {
    const json: Record<string, unknown> = {
      id: b.id,
      project_id: projectId,
      name: b.name,
      current_state: branchState(b),
      state_changed_at: iso(b.updatedAt),
      logical_size: 30_000_000,
      creation_source: 'console',
      primary: b.default,
      default: b.default,
      protected: b.protected,
      cpu_used_sec: 0,
      compute_time_seconds: 0,
      active_time_seconds: 0,
      written_data_bytes: 0,
      data_transfer_bytes: 0,
      created_at: iso(b.createdAt),
      updated_at: iso(b.updatedAt),
      init_source: b.initSource,
    };
    if (b.parentId) {
      json.parent_id = b.parentId;
      json.parent_lsn = '0/1DE2850';
      json.parent_timestamp = iso(b.createdAt);
    }
    if (b.expiresAt) {
      json.expires_at = iso(b.expiresAt);
      json.ttl_interval_seconds = Math.max(0, Math.round((b.expiresAt.getTime() - b.createdAt.getTime()) / 1000));
    }
    if (b.lastResetAt) json.last_reset_at = iso(b.lastResetAt);
    if (breakage?.dropBranchField) delete json[breakage.dropBranchField];
    return json;
  }

  function endpointJson(e: InternalEndpoint): Record<string, unknown> {
    const lastActive = branches.get(e.branchId)?.lastActiveAt;
    return {
      ...(lastActive ? { last_active: iso(lastActive) } : {}),
      host: '127.0.0.1',
      id: e.id,
      project_id: projectId,
      branch_id: e.branchId,
      autoscaling_limit_min_cu: e.autoscalingLimitMinCu,
      autoscaling_limit_max_cu: e.autoscalingLimitMaxCu,
      region_id: 'aws-us-east-2',
      type: e.type,
      current_state: endpointState(e),
      settings: {},
      pooler_enabled: false,
      pooler_mode: 'transaction',
      disabled: false,
      passwordless_access: false,
      creation_source: 'console',
      created_at: iso(e.createdAt),
      updated_at: iso(e.updatedAt),
      proxy_host: '127.0.0.1',
      suspend_timeout_seconds: e.suspendTimeoutSeconds,
      provisioner: 'k8s-neonvm',
    };
  }

  function operationJson(op: Operation): Record<string, unknown> {
    const status = opStatus(op);
    const json: Record<string, unknown> = {
      id: op.id,
      project_id: projectId,
      action: op.action,
      status,
      failures_count: 0,
      created_at: iso(op.createdAt),
      updated_at: iso(status === 'finished' ? new Date(op.finishAt) : op.createdAt),
      total_duration_ms: status === 'finished' ? operationDelayMs : 0,
    };
    if (op.branchId) json.branch_id = op.branchId;
    if (op.endpointId) json.endpoint_id = op.endpointId;
    return json;
  }

  function databaseJson(b: InternalBranch, d: FakeDatabase): Record<string, unknown> {
    return { id: d.id, branch_id: b.id, name: d.name, owner_name: d.ownerName, created_at: iso(d.createdAt), updated_at: iso(d.updatedAt) };
  }

  function roleJson(b: InternalBranch, name: string): Record<string, unknown> {
    return { branch_id: b.id, name, protected: false, authentication_method: 'password', created_at: iso(b.createdAt), updated_at: iso(b.createdAt) };
  }

  function annotationJson(b: InternalBranch): Record<string, unknown> {
    return {
      object: { type: 'console/branch', id: b.id },
      value: { ...b.annotations },
      created_at: iso(b.createdAt),
      updated_at: iso(b.updatedAt),
    };
  }

  function snapshotJson(s: FakeSnapshot): Record<string, unknown> {
    const json: Record<string, unknown> = {
      id: s.id,
      name: s.name,
      lsn: '0/1DE2850',
      timestamp: iso(s.createdAt),
      source_branch_id: s.sourceBranchId,
      created_at: iso(s.createdAt),
      manual: true,
      full_size: 30_000_000,
      diff_size: 0,
    };
    if (s.expiresAt) json.expires_at = iso(s.expiresAt);
    return json;
  }

  // ---- connection URIs ---------------------------------------------------------------------

  function connectionUri(b: InternalBranch, dbName: string, roleApiName: string, pooled: boolean, endpoint?: InternalEndpoint): string {
    const db = b.databases.find((d) => d.name === dbName);
    if (!db) throw new HttpError(404, `database "${dbName}" not found`);
    if (roleApiName !== API_ROLE && roleApiName !== roleName) throw new HttpError(404, `role "${roleApiName}" not found`);
    if (!db.realName) throw new HttpError(422, `branch ${b.id} is virtual (seeded without a real database): no connection URI`);
    const port = pooled ? proxy!.port : (directProxy?.port ?? pgPort);
    const params = endpoint?.type === 'read_only' ? `?options=${encodeURIComponent('-c default_transaction_read_only=on')}` : '';
    return `postgresql://${encodeURIComponent(roleName)}:${encodeURIComponent(rolePassword)}@${pgHost}:${port}/${encodeURIComponent(db.realName)}${params}`;
  }

  function connectionDetails(b: InternalBranch, endpoint: InternalEndpoint): Array<Record<string, unknown>> {
    return b.databases
      .filter((d) => d.realName)
      .map((d) => ({
        connection_uri: connectionUri(b, d.name, API_ROLE, false, endpoint),
        connection_parameters: {
          database: d.realName,
          password: rolePassword,
          role: roleName,
          host: `${pgHost}:${directProxy?.port ?? pgPort}`,
          pooler_host: `${pgHost}:${proxy!.port}`,
        },
      }));
  }

  // ---- branch creation (shared by HTTP, seedBranch, anonymized, snapshot restore) ---------

  interface CreateSpec {
    name?: string;
    parentId?: string;
    protected?: boolean;
    isDefault?: boolean;
    initSource?: 'parent-data' | 'schema-only';
    expiresAt?: Date;
    createdAt?: Date;
    updatedAt?: Date;
    lastActiveAt?: Date;
    virtual?: boolean;
    annotations?: Record<string, string>;
    endpoints?: Array<{
      type: 'read_write' | 'read_only';
      suspend_timeout_seconds?: number;
      autoscaling_limit_min_cu?: number;
      autoscaling_limit_max_cu?: number;
    }>;
    /** Clone from these real databases instead of the parent's (snapshot restore). */
    sources?: Array<{ name: string; ownerName: string; realName: string | null }>;
    withOperations: boolean;
  }

  async function createBranch(spec: CreateSpec): Promise<{ branch: InternalBranch; ops: Operation[]; eps: InternalEndpoint[] }> {
    const parent = spec.parentId ? getBranch(spec.parentId) : defaultBranchRecord();
    const id = newBranchId();
    const name = spec.name ?? id;
    if (findBranchByName(name)) throw new HttpError(409, `branch already exists; branch_name:"${name}"`);
    const created = spec.createdAt ?? new Date();
    const virtual = spec.virtual ?? false;
    const sources = spec.sources ?? parent.databases.map((d) => ({ name: d.name, ownerName: d.ownerName, realName: d.realName }));
    const databases: FakeDatabase[] = [];
    // Reserve the name synchronously so concurrent creates of the same name get 409.
    const branch: InternalBranch = {
      id,
      name,
      parentId: parent.id,
      default: false,
      protected: spec.protected ?? false,
      createdAt: created,
      updatedAt: spec.updatedAt ?? created,
      lastActiveAt: spec.lastActiveAt,
      expiresAt: spec.expiresAt,
      virtual,
      initSource: spec.initSource ?? 'parent-data',
      databases,
      roles: [API_ROLE],
      annotations: { ...(spec.annotations ?? {}) },
      anonymized: false,
      maskingRules: [],
      createOpIds: [],
    };
    branches.set(id, branch);
    // The create operation exists (and blocks delete/restore with 423) while the clone runs.
    const createOp = spec.withOperations ? addOperation('create_branch', id) : undefined;
    if (createOp) {
      branch.createOpIds.push(createOp.id);
      // Running until the real clone below is done, however long that takes.
      createOp.finishAt = Number.POSITIVE_INFINITY;
    }
    try {
      for (const src of sources) {
        let realName: string | null = null;
        if (!virtual && src.realName) {
          realName = newRealDbName(src.name);
          await real.cloneDatabase(realName, src.realName, roleName);
          createdRealDbs.add(realName);
          if (branch.initSource === 'schema-only') await real.truncateUserTables(realName);
        }
        databases.push({ id: dbIdCounter++, name: src.name, ownerName: src.ownerName, realName, createdAt: created, updatedAt: created });
      }
    } catch (error) {
      branches.delete(id);
      if (createOp) {
        operations.splice(operations.indexOf(createOp), 1);
        opsById.delete(createOp.id);
      }
      for (const d of databases) if (d.realName) await dropReal(d.realName);
      throw error;
    }
    const ops: Operation[] = [];
    if (createOp) {
      createOp.finishAt = now() + operationDelayMs;
      ops.push(createOp);
    }
    const eps: InternalEndpoint[] = [];
    for (const e of spec.endpoints ?? []) {
      const ep = addEndpoint(branch, e, spec.withOperations);
      eps.push(ep.endpoint);
      if (ep.op) ops.push(ep.op);
    }
    return { branch, ops, eps };
  }

  function addEndpoint(
    branch: InternalBranch,
    e: { type: 'read_write' | 'read_only'; suspend_timeout_seconds?: number; autoscaling_limit_min_cu?: number; autoscaling_limit_max_cu?: number },
    withOperation: boolean,
  ): { endpoint: InternalEndpoint; op?: Operation } {
    if (e.type === 'read_write' && branchEndpoints(branch.id).some((x) => x.type === 'read_write')) {
      throw new HttpError(409, `read_write endpoint already exists for branch ${branch.id}`);
    }
    const created = new Date();
    const endpoint: InternalEndpoint = {
      id: newEndpointId(),
      branchId: branch.id,
      type: e.type,
      suspendTimeoutSeconds: e.suspend_timeout_seconds ?? 0,
      autoscalingLimitMinCu: e.autoscaling_limit_min_cu ?? 0.25,
      autoscalingLimitMaxCu: e.autoscaling_limit_max_cu ?? 0.25,
      createdAt: created,
      updatedAt: created,
    };
    endpoints.set(endpoint.id, endpoint);
    if (!withOperation) return { endpoint };
    const op = addOperation('start_compute', branch.id, endpoint.id);
    endpoint.createOpId = op.id;
    return { endpoint, op };
  }

  async function dropReal(realName: string): Promise<void> {
    await real.dropDatabase(realName);
    createdRealDbs.delete(realName);
  }

  function assertNotBusy(b: InternalBranch): void {
    const running = operations.some((o) => o.branchId === b.id && opRunning(o));
    if (running) throw new HttpError(423, LOCKED_MESSAGE);
  }

  function parseExpiresAt(value: unknown): Date | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/i.test(value)) {
      // Neon documents RFC 3339 "with precision up to seconds" (e.g. 2025-06-09T18:02:16Z).
      throw new HttpError(
        400,
        `expires_at must be an RFC 3339 timestamp with precision up to seconds (e.g. 2025-06-09T18:02:16Z), got ${JSON.stringify(value)}`,
      );
    }
    const d = new Date(value);
    if (Number.isNaN(d.getTime())) throw new HttpError(400, `expires_at is not a valid timestamp: ${value}`);
    if (d.getTime() <= now()) throw new HttpError(400, 'expires_at must be in the future');
    if (d.getTime() > now() + MAX_EXPIRY_MS) throw new HttpError(400, 'expires_at must not be more than 30 days in the future');
    return d;
  }

  // ---- handlers ----------------------------------------------------------------------------

  type Handler = (ctx: Ctx, params: string[]) => Promise<Reply>;
  const routes: Array<{ method: string; pattern: RegExp; mutating: boolean; handler: Handler }> = [];
  const route = (method: string, path: string, handler: Handler) => {
    const pattern = new RegExp(`^${path.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`);
    routes.push({ method, pattern, mutating: method !== 'GET', handler });
  };

  route('GET', '/projects/{project_id}', async () => {
    const main = defaultBranchRecord();
    return {
      status: 200,
      body: {
        project: {
          data_storage_bytes_hour: 0,
          data_transfer_bytes: 0,
          written_data_bytes: 0,
          compute_time_seconds: 0,
          active_time_seconds: 0,
          cpu_used_sec: 0,
          id: projectId,
          platform_id: 'aws',
          region_id: 'aws-us-east-2',
          name: 'fake-project',
          provisioner: 'k8s-neonvm',
          default_endpoint_settings: { autoscaling_limit_min_cu: 0.25, autoscaling_limit_max_cu: 0.25, suspend_timeout_seconds: 0 },
          settings: { allowed_ips: { ips: [], protected_branches_only: false }, enable_logical_replication: false },
          pg_version: 17,
          proxy_host: '127.0.0.1',
          branch_logical_size_limit: 512,
          branch_logical_size_limit_bytes: 536870912,
          store_passwords: true,
          creation_source: 'console',
          history_retention_seconds: 86400,
          created_at: iso(projectCreatedAt),
          updated_at: iso(main.updatedAt),
          consumption_period_start: iso(projectCreatedAt),
          consumption_period_end: iso(new Date(projectCreatedAt.getTime() + 30 * 86400_000)),
          owner_id: 'fake-owner-000000',
          org_id: 'org-example-00000000',
        },
      },
    };
  });

  route('GET', '/projects/{project_id}/branches', async (ctx) => {
    const search = (ctx.query.get('search') ?? '').toLowerCase();
    const sortBy = ctx.query.get('sort_by') ?? 'updated_at';
    const sortOrder = ctx.query.get('sort_order') ?? 'desc';
    const limitRaw = ctx.query.get('limit');
    const cursor = ctx.query.get('cursor');
    let list = [...branches.values()].filter((b) => !search || b.name.toLowerCase().includes(search) || b.id.toLowerCase().includes(search));
    const key = (b: InternalBranch): string => (sortBy === 'name' ? b.name : sortBy === 'created_at' ? b.createdAt.toISOString() : b.updatedAt.toISOString());
    const cmp = (a: InternalBranch, b: InternalBranch) => {
      const ka = key(a);
      const kb = key(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return sortOrder === 'asc' ? c : -c;
    };
    list.sort(cmp);
    if (cursor) {
      let after: { k: string; id: string; s: string; o: string };
      try {
        after = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof after;
      } catch {
        throw new HttpError(400, 'invalid cursor');
      }
      if (after.s !== sortBy || after.o !== sortOrder) throw new HttpError(400, 'cursor does not match sort_by/sort_order');
      list = list.filter((b) => {
        const kb = key(b);
        const c = kb < after.k ? -1 : kb > after.k ? 1 : b.id < after.id ? -1 : b.id > after.id ? 1 : 0;
        return sortOrder === 'asc' ? c > 0 : c < 0;
      });
    }
    let next: string | undefined;
    if (limitRaw) {
      const limit = Number(limitRaw);
      if (list.length > limit) {
        list = list.slice(0, limit);
        const last = list[list.length - 1]!;
        next = Buffer.from(JSON.stringify({ k: key(last), id: last.id, s: sortBy, o: sortOrder })).toString('base64url');
      }
    }
    const annotations: Record<string, unknown> = {};
    for (const b of list) if (Object.keys(b.annotations).length > 0) annotations[b.id] = annotationJson(b);
    return {
      status: 200,
      body: {
        branches: list.map(branchJson),
        annotations,
        pagination: { ...(next ? { next } : {}), sort_by: sortBy, sort_order: sortOrder },
      },
    };
  });

  route('GET', '/projects/{project_id}/branches/count', async (ctx) => {
    const search = (ctx.query.get('search') ?? '').toLowerCase();
    const count = [...branches.values()].filter((b) => !search || b.name.toLowerCase().includes(search)).length;
    return { status: 200, body: { count } };
  });

  route('POST', '/projects/{project_id}/branches', async (ctx) => {
    const body = ctx.body ?? {};
    const b = (body.branch ?? {}) as Record<string, unknown>;
    const initSource = b.init_source as string | undefined;
    if (initSource !== undefined && initSource !== 'parent-data' && initSource !== 'schema-only') {
      throw new HttpError(400, `init_source must be "parent-data" or "schema-only"`);
    }
    if (b.parent_id !== undefined && !branches.has(b.parent_id as string)) throw new HttpError(404, `parent branch not found: ${String(b.parent_id)}`);
    const eps = (body.endpoints ?? []) as CreateSpec['endpoints'];
    if ((eps ?? []).filter((e) => e.type === 'read_write').length > 1) throw new HttpError(400, 'a branch can have only one read_write endpoint');
    const annotationValue = (body.annotation_value ?? {}) as Record<string, string>;
    const {
      branch,
      ops,
      eps: created,
    } = await createBranch({
      name: b.name as string | undefined,
      parentId: b.parent_id as string | undefined,
      protected: b.protected as boolean | undefined,
      initSource: initSource as CreateSpec['initSource'],
      expiresAt: parseExpiresAt(b.expires_at),
      annotations: annotationValue,
      endpoints: eps,
      withOperations: true,
    });
    return { status: 201, body: createdBranchBody(branch, ops, created) };
  });

  function createdBranchBody(branch: InternalBranch, ops: Operation[], eps: InternalEndpoint[]): Record<string, unknown> {
    const rw = eps.find((e) => e.type === 'read_write') ?? eps[0];
    return {
      branch: branchJson(branch),
      endpoints: eps.map(endpointJson),
      operations: ops.map(operationJson),
      roles: branch.roles.map((r) => roleJson(branch, r)),
      databases: branch.databases.map((d) => databaseJson(branch, d)),
      ...(rw && !branch.virtual ? { connection_uris: connectionDetails(branch, rw) } : {}),
    };
  }

  route('GET', '/projects/{project_id}/branches/{branch_id}', async (_ctx, [branchId]) => {
    const b = getBranch(branchId!);
    return { status: 200, body: { branch: branchJson(b), annotation: annotationJson(b) } };
  });

  route('PATCH', '/projects/{project_id}/branches/{branch_id}', async (ctx, [branchId]) => {
    const b = getBranch(branchId!);
    const patch = ((ctx.body ?? {}).branch ?? {}) as Record<string, unknown>;
    if (typeof patch.name === 'string' && patch.name !== b.name) {
      if (findBranchByName(patch.name)) throw new HttpError(409, `branch already exists; branch_name:"${patch.name}"`);
    }
    const expires = 'expires_at' in patch ? (patch.expires_at === null ? null : parseExpiresAt(patch.expires_at)) : undefined;
    if (typeof patch.name === 'string') b.name = patch.name;
    if (typeof patch.protected === 'boolean') b.protected = patch.protected;
    if (expires === null) delete b.expiresAt;
    else if (expires) b.expiresAt = expires;
    b.updatedAt = new Date();
    return { status: 200, body: { branch: branchJson(b), operations: [] } };
  });

  route('DELETE', '/projects/{project_id}/branches/{branch_id}', async (_ctx, [branchId]) => {
    const b = getBranch(branchId!);
    if (b.default) throw new HttpError(422, 'cannot delete the default branch of the project');
    if (b.protected) throw new HttpError(422, 'cannot delete a protected branch');
    if ([...branches.values()].some((c) => c.parentId === b.id)) throw new HttpError(422, 'cannot delete a branch that has child branches');
    assertNotBusy(b);
    const gone = branchEndpoints(b.id);
    for (const e of gone) endpoints.delete(e.id);
    branches.delete(b.id);
    // The real databases go first, and the operations start after: like Neon's, they are still
    // running when the answer arrives, however long the drop took on a loaded machine.
    for (const d of b.databases) if (d.realName) await dropReal(d.realName);
    const ops: Operation[] = gone.map((e) => addOperation('suspend_compute', b.id, e.id));
    ops.push(addOperation('delete_timeline', b.id));
    return { status: 200, body: { branch: branchJson(b), operations: ops.map(operationJson) } };
  });

  route('POST', '/projects/{project_id}/branches/{branch_id}/restore', async (ctx, [branchId]) => {
    const b = getBranch(branchId!);
    const body = ctx.body ?? {};
    const source = getBranch(body.source_branch_id as string);
    if (source.id === b.id) {
      throw new HttpError(400, 'the fake Neon API keeps no history: restoring a branch to its own past (source_branch_id = branch_id) is not supported');
    }
    assertNotBusy(b);
    const preserve = body.preserve_under_name as string | undefined;
    if (preserve !== undefined && findBranchByName(preserve)) throw new HttpError(409, `branch already exists; branch_name:"${preserve}"`);
    if (preserve === undefined && [...branches.values()].some((c) => c.parentId === b.id)) {
      throw new HttpError(422, 'the branch has children: restore it with preserve_under_name');
    }
    const ops: Operation[] = [];
    const created = new Date();
    const newDbs: FakeDatabase[] = [];
    for (const src of source.databases) {
      let realName: string | null = null;
      if (!b.virtual && src.realName) {
        realName = newRealDbName(src.name);
        await real.cloneDatabase(realName, src.realName, roleName);
        createdRealDbs.add(realName);
      }
      newDbs.push({ id: dbIdCounter++, name: src.name, ownerName: src.ownerName, realName, createdAt: created, updatedAt: created });
    }
    if (preserve !== undefined) {
      // The old state lives on as a new branch that keeps the old databases.
      const keep: InternalBranch = {
        ...b,
        id: newBranchId(),
        name: preserve,
        default: false,
        protected: false,
        parentId: b.parentId,
        databases: b.databases,
        annotations: {},
        createOpIds: [],
        maskingRules: [],
        anonymized: false,
      };
      branches.set(keep.id, keep);
      for (const c of branches.values()) if (c.parentId === b.id) c.parentId = keep.id;
      ops.push(addOperation('create_branch', keep.id));
    } else {
      for (const d of b.databases) if (d.realName) await dropReal(d.realName);
    }
    b.databases = newDbs;
    b.lastResetAt = created;
    b.updatedAt = created;
    if (b.parentId !== source.id && !b.default) b.parentId = source.id;
    const op = addOperation('create_timeline', b.id);
    ops.push(op);
    b.createOpIds = [op.id];
    for (const e of branchEndpoints(b.id)) ops.push(addOperation('start_compute', b.id, e.id));
    return { status: 200, body: { branch: branchJson(b), operations: ops.map(operationJson) } };
  });

  route('GET', '/projects/{project_id}/branches/{branch_id}/endpoints', async (_ctx, [branchId]) => {
    const b = getBranch(branchId!);
    return { status: 200, body: { endpoints: branchEndpoints(b.id).map(endpointJson) } };
  });

  route('GET', '/projects/{project_id}/branches/{branch_id}/databases', async (_ctx, [branchId]) => {
    const b = getBranch(branchId!);
    return { status: 200, body: { databases: b.databases.map((d) => databaseJson(b, d)) } };
  });

  route('GET', '/projects/{project_id}/branches/{branch_id}/databases/{database_name}', async (_ctx, [branchId, dbName]) => {
    const b = getBranch(branchId!);
    const d = b.databases.find((x) => x.name === decodeURIComponent(dbName!));
    if (!d) throw new HttpError(404, `database not found: ${dbName}`);
    return { status: 200, body: { database: databaseJson(b, d) } };
  });

  route('GET', '/projects/{project_id}/branches/{branch_id}/roles', async (_ctx, [branchId]) => {
    const b = getBranch(branchId!);
    return { status: 200, body: { roles: b.roles.map((r) => roleJson(b, r)) } };
  });

  route('GET', '/projects/{project_id}/branches/{branch_id}/roles/{role_name}', async (_ctx, [branchId, role]) => {
    const b = getBranch(branchId!);
    const name = decodeURIComponent(role!);
    if (!b.roles.includes(name)) throw new HttpError(404, `role not found: ${name}`);
    return { status: 200, body: { role: roleJson(b, name) } };
  });

  route('GET', '/projects/{project_id}/branches/{branch_id}/roles/{role_name}/reveal_password', async (_ctx, [branchId, role]) => {
    const b = getBranch(branchId!);
    const name = decodeURIComponent(role!);
    if (!b.roles.includes(name)) throw new HttpError(404, `role not found: ${name}`);
    return { status: 200, body: { password: rolePassword } };
  });

  route('GET', '/projects/{project_id}/connection_uri', async (ctx) => {
    const b = getBranch(ctx.query.get('branch_id') ?? defaultBranchRecord().id);
    const endpointId = ctx.query.get('endpoint_id');
    let endpoint: InternalEndpoint | undefined;
    if (endpointId) {
      endpoint = endpoints.get(endpointId);
      if (!endpoint || endpoint.branchId !== b.id) throw new HttpError(404, `endpoint not found: ${endpointId}`);
    } else {
      endpoint = branchEndpoints(b.id).find((e) => e.type === 'read_write');
      if (!endpoint) throw new HttpError(404, `branch ${b.id} has no read_write endpoint`);
    }
    const pooled = ctx.query.get('pooled') === 'true';
    const uri = connectionUri(b, ctx.query.get('database_name') ?? '', ctx.query.get('role_name') ?? '', pooled, endpoint);
    return { status: 200, body: { uri } };
  });

  route('GET', '/projects/{project_id}/endpoints', async () => ({
    status: 200,
    body: { endpoints: [...endpoints.values()].map(endpointJson) },
  }));

  route('POST', '/projects/{project_id}/endpoints', async (ctx) => {
    const e = ((ctx.body ?? {}).endpoint ?? {}) as Record<string, unknown>;
    const b = getBranch(e.branch_id as string);
    const { endpoint, op } = addEndpoint(
      b,
      {
        type: e.type as 'read_write' | 'read_only',
        suspend_timeout_seconds: e.suspend_timeout_seconds as number | undefined,
        autoscaling_limit_min_cu: e.autoscaling_limit_min_cu as number | undefined,
        autoscaling_limit_max_cu: e.autoscaling_limit_max_cu as number | undefined,
      },
      true,
    );
    return { status: 201, body: { endpoint: endpointJson(endpoint), operations: op ? [operationJson(op)] : [] } };
  });

  route('GET', '/projects/{project_id}/endpoints/{endpoint_id}', async (_ctx, [endpointId]) => {
    const e = endpoints.get(endpointId!);
    if (!e) throw new HttpError(404, `endpoint not found: ${endpointId}`);
    return { status: 200, body: { endpoint: endpointJson(e) } };
  });

  route('DELETE', '/projects/{project_id}/endpoints/{endpoint_id}', async (_ctx, [endpointId]) => {
    const e = endpoints.get(endpointId!);
    if (!e) throw new HttpError(404, `endpoint not found: ${endpointId}`);
    endpoints.delete(e.id);
    const op = addOperation('suspend_compute', e.branchId, e.id);
    return { status: 200, body: { endpoint: endpointJson(e), operations: [operationJson(op)] } };
  });

  route('GET', '/projects/{project_id}/operations', async (ctx) => {
    const limit = Number(ctx.query.get('limit') ?? '0') || undefined;
    const cursor = ctx.query.get('cursor');
    let list = [...operations].reverse(); // newest first
    if (cursor) {
      const idx = list.findIndex((o) => o.id === cursor);
      list = idx >= 0 ? list.slice(idx + 1) : [];
    }
    let page = list;
    if (limit) page = list.slice(0, limit);
    const more = page.length < list.length;
    return {
      status: 200,
      body: { operations: page.map(operationJson), ...(more && page.length ? { pagination: { cursor: page[page.length - 1]!.id } } : {}) },
    };
  });

  route('GET', '/projects/{project_id}/operations/{operation_id}', async (_ctx, [opId]) => {
    const op = opsById.get(opId!);
    if (!op) throw new HttpError(404, `operation not found: ${opId}`);
    return { status: 200, body: { operation: operationJson(op) } };
  });

  async function dumpFor(b: InternalBranch, dbName: string): Promise<string> {
    const d = b.databases.find((x) => x.name === dbName);
    if (!d) throw new HttpError(404, `database "${dbName}" not found on branch ${b.id}`);
    if (!d.realName) return '';
    return real.schemaDump(d.realName);
  }

  route('GET', '/projects/{project_id}/branches/{branch_id}/schema', async (ctx, [branchId]) => {
    const b = getBranch(branchId!);
    return { status: 200, body: { sql: await dumpFor(b, ctx.query.get('db_name') ?? '') } };
  });

  route('GET', '/projects/{project_id}/branches/{branch_id}/compare_schema', async (ctx, [branchId]) => {
    const b = getBranch(branchId!);
    const baseId = ctx.query.get('base_branch_id') ?? b.parentId;
    if (!baseId) throw new HttpError(400, 'base_branch_id is required for a branch without a parent');
    const base = getBranch(baseId);
    const dbName = ctx.query.get('db_name') ?? '';
    const [before, after] = await Promise.all([dumpFor(base, dbName), dumpFor(b, dbName)]);
    return { status: 200, body: { diff: unifiedDiff(before, after, `a/${base.name}/${dbName}`, `b/${b.name}/${dbName}`) } };
  });

  // -- anonymized branches (beta in Neon): masking rules applied by UPDATE on the clone ----

  route('POST', '/projects/{project_id}/branch_anonymized', async (ctx) => {
    const body = ctx.body ?? {};
    const create = (body.branch_create ?? {}) as Record<string, unknown>;
    const b = (create.branch ?? {}) as Record<string, unknown>;
    if (b.parent_id !== undefined && !branches.has(b.parent_id as string)) throw new HttpError(404, `parent branch not found: ${String(b.parent_id)}`);
    const { branch, ops, eps } = await createBranch({
      name: b.name as string | undefined,
      parentId: b.parent_id as string | undefined,
      protected: b.protected as boolean | undefined,
      expiresAt: parseExpiresAt(b.expires_at),
      annotations: (body.annotation_value ?? {}) as Record<string, string>,
      endpoints: (create.endpoints ?? []) as CreateSpec['endpoints'],
      withOperations: true,
    });
    branch.anonymized = true;
    branch.maskingRules = ((body.masking_rules ?? []) as MaskingRuleSpec[]).map((r) => ({ ...r }));
    const t = new Date();
    branch.anonymization = { state: 'initialized', createdAt: t, updatedAt: t };
    if (body.start_anonymization === true) await runAnonymization(branch);
    return { status: 201, body: createdBranchBody(branch, ops, eps) };
  });

  async function runAnonymization(b: InternalBranch): Promise<void> {
    const a = b.anonymization!;
    a.startedAt = new Date();
    a.state = 'anonymizing';
    try {
      let masked = 0;
      for (const d of b.databases) {
        if (!d.realName) continue;
        masked += await real.applyMasking(
          d.realName,
          b.maskingRules.filter((r) => r.database_name === d.name),
        );
      }
      a.state = 'anonymized';
      a.masked = masked;
      a.message = undefined;
    } catch (error) {
      a.state = 'error';
      a.message = error instanceof Error ? error.message : String(error);
    }
    a.completedAt = new Date();
    a.updatedAt = a.completedAt;
    // The masking is done (no unmasked window in the data), but like Neon's asynchronous run the
    // status reads 'anonymizing' for operationDelayMs, so callers must poll.
    a.visibleAt = now() + operationDelayMs;
  }

  function anonymizedStatus(b: InternalBranch): Record<string, unknown> {
    const a = b.anonymization;
    if (!b.anonymized || !a) throw new HttpError(400, `branch ${b.id} is not an anonymized branch`);
    if (a.visibleAt !== undefined && now() < a.visibleAt) {
      return {
        project_id: projectId,
        branch_id: b.id,
        state: 'anonymizing',
        created_at: iso(a.createdAt),
        updated_at: iso(a.startedAt ?? a.createdAt),
        ...(a.startedAt ? { last_run: { started_at: iso(a.startedAt) } } : {}),
      };
    }
    return {
      project_id: projectId,
      branch_id: b.id,
      state: a.state,
      ...(a.message ? { status_message: a.message } : {}),
      created_at: iso(a.createdAt),
      updated_at: iso(a.updatedAt),
      ...(a.state === 'error' && a.completedAt ? { failed_at: iso(a.completedAt) } : {}),
      ...(a.startedAt
        ? { last_run: { started_at: iso(a.startedAt), ...(a.completedAt ? { completed_at: iso(a.completedAt) } : {}), masked_columns: a.masked ?? 0 } }
        : {}),
    };
  }

  route('GET', '/projects/{project_id}/branches/{branch_id}/masking_rules', async (_ctx, [branchId]) => {
    const b = getBranch(branchId!);
    anonymizedStatus(b);
    return { status: 200, body: { masking_rules: b.maskingRules } };
  });

  route('PATCH', '/projects/{project_id}/branches/{branch_id}/masking_rules', async (ctx, [branchId]) => {
    const b = getBranch(branchId!);
    anonymizedStatus(b);
    b.maskingRules = ((ctx.body ?? {}).masking_rules as MaskingRuleSpec[]).map((r) => ({ ...r }));
    return { status: 200, body: { masking_rules: b.maskingRules } };
  });

  route('GET', '/projects/{project_id}/branches/{branch_id}/anonymized_status', async (_ctx, [branchId]) => ({
    status: 200,
    body: anonymizedStatus(getBranch(branchId!)),
  }));

  route('POST', '/projects/{project_id}/branches/{branch_id}/anonymize', async (_ctx, [branchId]) => {
    const b = getBranch(branchId!);
    anonymizedStatus(b);
    await runAnonymization(b);
    return { status: 200, body: anonymizedStatus(b) };
  });

  // -- snapshots (beta in Neon): each snapshot keeps real template copies of the databases --

  route('POST', '/projects/{project_id}/branches/{branch_id}/snapshot', async (ctx, [branchId]) => {
    const b = getBranch(branchId!);
    if (ctx.query.get('lsn') && ctx.query.get('timestamp')) throw new HttpError(400, 'lsn and timestamp cannot be used together');
    const expiresRaw = ctx.query.get('expires_at');
    let expiresAt: Date | undefined;
    if (expiresRaw) {
      expiresAt = new Date(expiresRaw);
      if (Number.isNaN(expiresAt.getTime())) throw new HttpError(400, `expires_at is not a valid timestamp: ${expiresRaw}`);
      if (expiresAt.getTime() <= now()) throw new HttpError(400, 'expires_at must be in the future');
    }
    const id = `snap-${pick(WORDS_A)}-${pick(WORDS_B)}-${shortId(8)}`;
    const created = new Date();
    const dbs: FakeSnapshot['databases'] = [];
    try {
      for (const d of b.databases) {
        let realName: string | null = null;
        if (d.realName) {
          realName = newRealDbName(`snap_${d.name}`);
          await real.cloneDatabase(realName, d.realName, roleName);
          createdRealDbs.add(realName);
        }
        dbs.push({ name: d.name, ownerName: d.ownerName, realName });
      }
    } catch (error) {
      for (const d of dbs) if (d.realName) await dropReal(d.realName);
      throw error;
    }
    const snapshot: FakeSnapshot = {
      id,
      name: ctx.query.get('name') ?? `${b.name}-${iso(created)}`,
      sourceBranchId: b.id,
      createdAt: created,
      expiresAt,
      databases: dbs,
    };
    snapshots.set(id, snapshot);
    const op = addOperation('create_branch', b.id);
    return { status: 200, body: { snapshot: snapshotJson(snapshot), operations: [operationJson(op)] } };
  });

  route('GET', '/projects/{project_id}/snapshots', async () => ({
    status: 200,
    body: { snapshots: [...snapshots.values()].map(snapshotJson) },
  }));

  route('PATCH', '/projects/{project_id}/snapshots/{snapshot_id}', async (ctx, [snapshotId]) => {
    const s = snapshots.get(snapshotId!);
    if (!s) throw new HttpError(404, `snapshot not found: ${snapshotId}`);
    const name = ((ctx.body ?? {}).snapshot as { name?: string } | undefined)?.name;
    if (name) s.name = name;
    return { status: 200, body: { snapshot: snapshotJson(s) } };
  });

  route('DELETE', '/projects/{project_id}/snapshots/{snapshot_id}', async (_ctx, [snapshotId]) => {
    const s = snapshots.get(snapshotId!);
    if (!s) throw new HttpError(404, `snapshot not found: ${snapshotId}`);
    snapshots.delete(s.id);
    for (const d of s.databases) if (d.realName) await dropReal(d.realName);
    const op = addOperation('delete_timeline', s.sourceBranchId);
    return { status: 202, body: { operations: [operationJson(op)] } };
  });

  route('POST', '/projects/{project_id}/snapshots/{snapshot_id}/restore', async (ctx, [snapshotId]) => {
    const s = snapshots.get(snapshotId!);
    if (!s) throw new HttpError(404, `snapshot not found: ${snapshotId}`);
    const body = ctx.body ?? {};
    const targetId = (body.target_branch_id as string | undefined) ?? s.sourceBranchId;
    const target = branches.get(targetId);
    if (!target) throw new HttpError(404, `target branch not found: ${targetId}`);
    const name = (body.name as string | undefined) ?? ctx.query.get('name') ?? `${target.name}_restored_${iso(new Date())}`;
    const { branch, ops } = await createBranch({
      name,
      parentId: target.id,
      sources: s.databases,
      withOperations: true,
    });
    const eps: InternalEndpoint[] = [];
    if (body.finalize_restore === true) {
      // Finalize: the restored branch takes the target's name and computes; the target is renamed.
      assertNotBusy(target);
      const oldName = target.name;
      target.name = `${oldName}_old_${iso(new Date())}`;
      branch.name = oldName;
      for (const e of branchEndpoints(target.id)) {
        e.branchId = branch.id;
        e.updatedAt = new Date();
        eps.push(e);
        ops.push(addOperation('start_compute', branch.id, e.id));
      }
    }
    return { status: 200, body: { branch: branchJson(branch), endpoints: eps.map(endpointJson), operations: ops.map(operationJson) } };
  });

  // ---- HTTP plumbing -------------------------------------------------------------------

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** A string path matches the full path (with or without the /api/v2 prefix) or its tail; a RegExp is tested against path+query. */
  function matchFault(method: string, pathname: string, search: string): (FakeNeonFault & { remaining: number }) | undefined {
    const idx = faults.findIndex((f) => {
      if (f.remaining <= 0) return false;
      if (f.method && f.method.toUpperCase() !== method) return false;
      if (!f.path) return true;
      if (typeof f.path === 'string') return pathname === f.path || pathname === `/api/v2${f.path}` || pathname.endsWith(f.path);
      return f.path.test(`${pathname}${search}`);
    });
    if (idx < 0) return undefined;
    const f = faults[idx]!;
    f.remaining -= 1;
    if (f.remaining <= 0) faults.splice(idx, 1);
    return f;
  }

  function rateLimited(routeKey: string): string | undefined {
    const rl = options.rateLimit;
    if (!rl) return undefined;
    const t = now();
    const perRoute = rl.perRoutePerSecond ?? 40;
    const perMinute = rl.perMinute ?? 700;
    if (perRoute) {
      const hits = (routeHits.get(routeKey) ?? []).filter((x) => x > t - 1000);
      routeHits.set(routeKey, hits);
      if (hits.length >= perRoute) return String(Math.max(1, Math.ceil((hits[0]! + 1000 - t) / 1000)));
      hits.push(t);
    }
    if (perMinute) {
      while (minuteHits.length && minuteHits[0]! <= t - 60_000) minuteHits.shift();
      if (minuteHits.length >= perMinute) return String(Math.max(1, Math.ceil((minuteHits[0]! + 60_000 - t) / 1000)));
      minuteHits.push(t);
    }
    return undefined;
  }

  async function dispatch(
    ctx: Ctx,
    validator: SpecValidator | undefined,
    headers: IncomingMessage['headers'],
  ): Promise<{ reply: Reply; operationId?: string }> {
    // Spec conformance of the request.
    let operationId: string | undefined;
    if (validator) {
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of ctx.query) {
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const checked = validator.checkRequest({ method: ctx.method, path: ctx.path, query, headers, body: ctx.body });
      operationId = checked.operationId;
      if (checked.errors.length > 0) {
        for (const e of checked.errors) violations.push(`request ${ctx.method} ${ctx.path}: ${e}`);
        if (operationId) return { reply: { status: 400, body: errorBody(`request does not match the API: ${checked.errors.join('; ')}`) }, operationId };
      }
    }
    const m = /^\/projects\/([^/]+)(\/.*)?$/.exec(ctx.path);
    if (!m) return { reply: { status: 404, body: errorBody(`not found: ${ctx.path}`) }, operationId };
    if (decodeURIComponent(m[1]!) !== projectId) return { reply: { status: 404, body: errorBody('project not found') }, operationId };
    const local = ctx.path;
    for (const r of routes) {
      if (r.method !== ctx.method) continue;
      const match = r.pattern.exec(local);
      if (!match) continue;
      if (r.mutating && now() < lockedUntil) throw new HttpError(423, LOCKED_MESSAGE);
      const params = match.slice(2).map((p) => decodeURIComponent(p));
      return { reply: await r.handler(ctx, params), operationId };
    }
    return { reply: { status: 501, body: errorBody(`${ctx.method} ${ctx.path} is not implemented by the fake Neon API`) }, operationId };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const fullPath = url.pathname;
    const record = (status: number) => requests.push({ method, path: `${fullPath}${url.search}`, status, at: started });
    const send = (reply: Reply) => {
      const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        ...(payload ? { 'content-type': 'application/json' } : {}),
        'x-neon-ret-request-id': randomUUID(),
        ...(reply.headers ?? {}),
      });
      res.end(payload);
      record(reply.status);
    };
    const rawBody = await readBody(req);

    const fault = matchFault(method, fullPath, url.search);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.dropConnection) {
      record(0);
      (req.socket as Socket).destroy();
      return;
    }
    if (latencyMs) await sleep(latencyMs);
    if (fault?.status) {
      send({
        status: fault.status,
        body:
          fault.body ?? errorBody(fault.status === 423 ? LOCKED_MESSAGE : fault.status === 429 ? 'rate limit exceeded' : `injected failure (${fault.status})`),
        headers: fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
      });
      return;
    }

    if (!fullPath.startsWith('/api/v2/')) {
      send({ status: 404, body: errorBody(`not found: ${fullPath}`) });
      return;
    }
    const path = fullPath.slice('/api/v2'.length);
    const routeKey = `${method} ${path.replace(/\/(br|ep|snap)-[a-z0-9-]+/g, '/$1-*').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '*')}`;
    const validator = await validatorPromise;
    const sendChecked = (reply: Reply, operationId = validator?.operationIdFor(method, path)) => {
      if (validator && operationId) {
        for (const e of validator.checkResponse(operationId, reply.status, reply.body)) {
          violations.push(`response ${reply.status} ${operationId} (${method} ${path}): ${e}`);
        }
      }
      send(reply);
    };
    const retryAfter = rateLimited(routeKey);
    if (retryAfter) {
      sendChecked({ status: 429, body: errorBody('rate limit exceeded'), headers: { 'retry-after': retryAfter } });
      return;
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      sendChecked({ status: 401, body: errorBody('authentication required') });
      return;
    }
    let body: Record<string, unknown> | undefined;
    if (rawBody.trim()) {
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        violations.push(`request ${method} ${path}: body is not valid JSON`);
        sendChecked({ status: 400, body: errorBody('request body is not valid JSON') });
        return;
      }
    }
    const ctx: Ctx = { method, path, query: url.searchParams, body };
    let reply: Reply;
    let operationId: string | undefined;
    try {
      ({ reply, operationId } = await dispatch(ctx, validator, req.headers));
    } catch (error) {
      if (error instanceof HttpError) {
        reply = { status: error.status, body: errorBody(error.message), headers: error.headers };
      } else {
        reply = { status: 500, body: errorBody(`internal error in the fake: ${error instanceof Error ? error.message : String(error)}`) };
      }
    }
    sendChecked(reply, operationId ?? validator?.operationIdFor(method, path));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorBody(String(error))));
      }
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  // ---- start-up: role, root branch with a real neondb, proxy, HTTP server --------------

  const rootId = newBranchId();
  const rootDb = newRealDbName(API_DB);
  try {
    await real.createRole(roleName, rolePassword);
    await real.createEmptyDatabase(rootDb, roleName);
    createdRealDbs.add(rootDb);
  } catch (error) {
    await real.dropDatabase(rootDb).catch(() => {});
    await real.dropRole(roleName).catch(() => {});
    await real.close();
    throw error;
  }
  const rootCreated = new Date();
  branches.set(rootId, {
    id: rootId,
    name: 'main',
    default: true,
    protected: false,
    createdAt: rootCreated,
    updatedAt: rootCreated,
    virtual: false,
    initSource: 'parent-data',
    databases: [{ id: dbIdCounter++, name: API_DB, ownerName: API_ROLE, realName: rootDb, createdAt: rootCreated, updatedAt: rootCreated }],
    roles: [API_ROLE],
    annotations: {},
    anonymized: false,
    maskingRules: [],
    createOpIds: [],
  });
  addEndpoint(branches.get(rootId)!, { type: 'read_write' }, false);

  const computeGate =
    options.computeStartMs === undefined
      ? undefined
      : {
          admit(startup: Record<string, string>): boolean {
            const branch = [...branches.values()].find((b) => b.databases.some((d) => d.realName === startup.database));
            if (!branch) return true;
            const ops = operations.filter((o) => o.branchId === branch.id);
            if (ops.some(opRunning)) return false;
            const lastFinish = Math.max(0, ...ops.map((o) => o.finishAt));
            return now() >= lastFinish + options.computeStartMs!;
          },
        };
  proxy = await startTcpProxy(pgHost, pgPort, computeGate);
  if (computeGate) directProxy = await startTcpProxy(pgHost, pgPort, computeGate);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const httpPort = typeof address === 'object' && address ? address.port : 0;
  await validatorPromise;

  let closed = false;
  const fake: FakeNeon = {
    apiHost: `http://127.0.0.1:${httpPort}/api/v2`,
    apiKey,
    projectId,
    defaultBranch: { id: rootId, name: 'main' },
    roleName,
    requests,
    violations,
    async seedBranch(spec) {
      let branch: InternalBranch;
      try {
        ({ branch } = await createBranch({
          name: spec.name,
          parentId: spec.parentId,
          protected: spec.protected,
          createdAt: spec.createdAt,
          updatedAt: spec.updatedAt,
          lastActiveAt: spec.lastActiveAt,
          expiresAt: spec.expiresAt,
          virtual: spec.virtual,
          annotations: spec.annotations,
          endpoints: spec.withEndpoint ? [{ type: 'read_write' }] : [],
          withOperations: false,
        }));
      } catch (error) {
        throw error instanceof HttpError ? new Error(`seedBranch: ${error.message}`) : error;
      }
      if (spec.default) {
        // A seeded default replaces the current one (e.g. a project whose default is not 'main').
        defaultBranchRecord().default = false;
        branch.default = true;
        fake.defaultBranch = { id: branch.id, name: branch.name };
      }
      return publicBranch(branch);
    },
    inject(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    lockProject(ms) {
      lockedUntil = now() + ms;
    },
    branches() {
      return [...branches.values()].map(publicBranch);
    },
    snapshots() {
      return [...snapshots.values()].map((s) => ({ ...s, databases: s.databases.map((d) => ({ ...d })) }));
    },
    realDatabaseName(branchId, dbName) {
      const b = branches.get(branchId);
      if (!b) throw new Error(`realDatabaseName: no branch ${branchId}`);
      const d = b.databases.find((x) => x.name === dbName);
      if (!d) throw new Error(`realDatabaseName: branch ${branchId} has no database ${dbName}`);
      if (!d.realName) throw new Error(`realDatabaseName: branch ${branchId} is virtual`);
      return d.realName;
    },
    breakResponses(b) {
      breakage = b;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await proxy?.close();
      await directProxy?.close();
      for (const name of [...createdRealDbs]) await real.dropDatabase(name).catch(() => {});
      await real.dropRole(roleName).catch(() => {});
      await real.close();
    },
  };
  return fake;
}
