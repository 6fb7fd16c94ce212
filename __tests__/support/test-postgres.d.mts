export interface StartedPostgres {
  url: string;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
/** Starts a throwaway Postgres cluster; as root it runs under a dedicated system user. */
export function startEmbeddedPostgres(options?: { quiet?: boolean }): Promise<StartedPostgres>;
