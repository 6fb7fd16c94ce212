// The provider behind a cleanup, chosen once for the action, the lifecycle and the CLI.
import type { Log } from '../shared/log.js';
import type { NeonConnection } from '../providers/neon/client.js';
import type { ProviderKind } from '../providers/types.js';
import { NeonPreviewStore } from '../providers/neon/sweep.js';
import { PostgresPreviewStore } from '../providers/postgres/sweep.js';
import type { PreviewStore } from './index.js';

export interface StoreConnection {
  provider: ProviderKind;
  neon?: NeonConnection;
  postgresUrl?: string;
}

export function previewStoreFor(connection: StoreConnection, log: Log, options: { waitForDeletion: boolean; repository?: string }): PreviewStore {
  if (connection.provider === 'neon') {
    if (!connection.neon) throw new Error('the Neon connection is missing');
    return new NeonPreviewStore({ ...connection.neon, waitForDeletion: options.waitForDeletion, repository: options.repository }, log);
  }
  if (!connection.postgresUrl) throw new Error('the Postgres admin URL is missing');
  return new PostgresPreviewStore({ adminUrl: connection.postgresUrl, repository: options.repository }, log);
}
