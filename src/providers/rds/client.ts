// The RDS client for the suite: @aws-sdk/client-rds with credentials, region and endpoint
// from the standard AWS environment (AWS_REGION, AWS_ENDPOINT_URL_RDS, the credential
// chain), and our own retries instead of the SDK's so that one deadline bounds them all.
import { RDSClient } from '@aws-sdk/client-rds';
import { TRANSIENT_NETWORK_CODES, type RetryVerdict } from '../../shared/retry.js';

/** Per request: RDS answers in well under a second; a hung connection should not eat the wait. */
const REQUEST_TIMEOUT_MS = 30_000;

export function createRdsClient(region?: string): RDSClient {
  // maxAttempts 1: withRetries (bounded by wait-timeout) decides what to retry.
  return new RDSClient({ region, maxAttempts: 1, requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: 10_000 } });
}

/** The region the client resolved (input, AWS_REGION, or the shared config), if any. */
export async function resolvedRegion(client: RDSClient): Promise<string | undefined> {
  try {
    const region = await client.config.region();
    return region || undefined;
  } catch {
    return undefined;
  }
}

interface AwsErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

function shape(error: unknown): AwsErrorShape {
  return typeof error === 'object' && error !== null ? (error as AwsErrorShape) : {};
}

/** The service's error code (`DBSnapshotNotFound`), falling back to the SDK's exception name. */
export function rdsErrorCode(error: unknown): string | undefined {
  const e = shape(error);
  return e.Code ?? e.name;
}

export function rdsStatus(error: unknown): number | undefined {
  return shape(error).$metadata?.httpStatusCode;
}

function codeIs(error: unknown, ...codes: string[]): boolean {
  const e = shape(error);
  return codes.some((code) => code === e.Code || code === e.name || `${code}Fault` === e.name);
}

const THROTTLING = [
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
];
/** The instance or cluster is doing something else (a backup, another snapshot, a modification). */
const BUSY = ['InvalidDBInstanceState', 'InvalidDBInstanceStateFault', 'InvalidDBClusterStateFault'];
const EXPIRED = ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired'];

export function isExpiredCredentials(error: unknown): boolean {
  if (codeIs(error, ...EXPIRED)) return true;
  // The credential chain itself failing to refresh an expired session.
  const e = shape(error);
  return e.name === 'CredentialsProviderError' && /expir/i.test(e.message ?? '');
}

export function isNotFound(error: unknown): boolean {
  return codeIs(error, 'DBSnapshotNotFound', 'DBClusterSnapshotNotFoundFault', 'DBInstanceNotFound', 'DBClusterNotFoundFault');
}

export function isAlreadyExists(error: unknown): boolean {
  return codeIs(error, 'DBSnapshotAlreadyExists', 'DBClusterSnapshotAlreadyExistsFault');
}

export function isQuotaExceeded(error: unknown): boolean {
  return codeIs(error, 'SnapshotQuotaExceeded');
}

export function isBusy(error: unknown): boolean {
  return codeIs(error, ...BUSY);
}

export function isSnapshotStateError(error: unknown): boolean {
  return codeIs(error, 'InvalidDBSnapshotState', 'InvalidDBClusterSnapshotStateFault');
}

/**
 * Throttling, 5xx and network failures heal; so does a busy instance when `busyHeals`
 * (creating a snapshot while a backup runs). Everything else, expired credentials
 * included, is permanent.
 */
export function classifyRdsError(error: unknown, options: { busyHeals?: boolean } = {}): RetryVerdict {
  const e = shape(error);
  if (isExpiredCredentials(error)) return { retry: false };
  if (codeIs(error, ...THROTTLING)) return { retry: true, reason: `throttled by RDS (${rdsErrorCode(error)})` };
  if (options.busyHeals && isBusy(error)) return { retry: true, reason: `busy: ${e.message ?? rdsErrorCode(error)}` };
  const status = rdsStatus(error);
  if ((status !== undefined && status >= 500) || e.$fault === 'server')
    return { retry: true, reason: `RDS answered ${status ?? 'a server error'} ${rdsErrorCode(error) ?? ''}`.trim() };
  const networkCode = e.code ?? e.name ?? '';
  if (TRANSIENT_NETWORK_CODES.has(networkCode) || networkCode === 'TimeoutError' || /socket hang up/i.test(e.message ?? '')) {
    return { retry: true, reason: `network error ${networkCode}` };
  }
  return { retry: false };
}
