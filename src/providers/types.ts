// What every preview provider (a Neon branch, a database on a shared Postgres server)
// offers the core. Plain values in, plain values out.

export type ProviderKind = 'neon' | 'postgres';
export type OnExisting = 'reuse' | 'reset' | 'recreate';

export interface PreviewRequest {
  branchName: string;
  onExisting: OnExisting;
  /** Seconds to wait for the preview to be ready, and the bound for all retries. */
  waitTimeoutSeconds: number;
  /** When set, the preview removes itself (Neon) or is marked to expire (Postgres). */
  expiresInSeconds?: number;
  /** Where it came from (repository, pull request, commit, run), for people reading the console. */
  annotations: Record<string, string>;
}

export interface PreviewDatabase {
  provider: ProviderKind;
  branchId: string;
  branchName: string;
  /** True when this run created it; false when an existing preview was reused. */
  created: boolean;
  /** What happened to an existing preview: reused, reset, recreated, or created. */
  outcome: 'created' | 'reused' | 'reset' | 'recreated';
  /** Pooled where the provider pools; otherwise the same as `databaseUrlDirect`. */
  databaseUrl: string;
  databaseUrlDirect: string;
  host: string;
  database: string;
  role: string;
  password: string;
  expiresAt?: string;
  parentName?: string;
  /** Neon: the parent branch's id (for the schema comparison). */
  parentId?: string;
  /** A link for people (the provider's console), never containing a secret. */
  consoleUrl?: string;
}

export interface PreviewProvider {
  readonly kind: ProviderKind;
  /** Every check that needs the provider but changes nothing; throws InputError. */
  preflight(request: PreviewRequest): Promise<void>;
  ensurePreview(request: PreviewRequest): Promise<PreviewDatabase>;
}
