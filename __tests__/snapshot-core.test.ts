// The snapshot core's pure parts, in tables: identifiers, tags, the pruning plan, the
// restore command and the polling pace.
import { defaultSnapshotIdentifier, legalizeIdentifier, validateSnapshotIdentifier, timestamp } from '../src/snapshot/identifier.js';
import { snapshotTags, validateUserTags, isFromRun } from '../src/snapshot/tags.js';
import { planPrune, type PruneCandidate } from '../src/snapshot/prune.js';
import { restoreCommand } from '../src/snapshot/restore-command.js';
import { pollIntervals } from '../src/snapshot/types.js';
import { InputError } from '../src/shared/errors.js';

const RUN = { repository: 'example-org/example-app', sha: 'abc1234def5678abc1234def5678abc1234def56', runId: '9000000001', runAttempt: '3' };
const AT = new Date('2026-11-22T01:45:09.123Z');

describe('identifiers', () => {
  test('the default is pre-deploy-<time>-<sha>-<run>-<attempt>, legal for instances and clusters', () => {
    expect(timestamp(AT)).toBe('20261122-014509');
    expect(defaultSnapshotIdentifier(RUN, AT, 'instance')).toBe('pre-deploy-20261122-014509-abc1234-9000000001-3');
    const cluster = defaultSnapshotIdentifier({ ...RUN, runId: '9'.repeat(60) }, AT, 'cluster');
    expect(cluster.length).toBeLessThanOrEqual(63);
    expect(() => validateSnapshotIdentifier(cluster, 'cluster')).not.toThrow();
    expect(defaultSnapshotIdentifier({ sha: '', runId: '', runAttempt: '1' }, AT, 'instance')).toBe('pre-deploy-20261122-014509');
  });

  test.each([
    ['Pre_Deploy..v2', 'pre-deploy-v2'],
    ['2024 release', 'snapshot-2024-release'],
    ['--x--', 'x'],
    ['ends-with-', 'ends-with'],
  ])('legalize %p -> %p', (input, expected) => {
    expect(legalizeIdentifier(input, 255)).toBe(expected);
  });

  test('cut to the limit never ends with a hyphen', () => {
    expect(legalizeIdentifier(`a${'-b'.repeat(40)}`, 62)).toMatch(/^a(-b)+$/);
    expect(legalizeIdentifier(`a${'-b'.repeat(40)}`, 62).length).toBeLessThanOrEqual(62);
  });

  test.each([
    ['', /it is empty/],
    ['9lives', /must start with a letter/],
    ['has space', /contains ' '/],
    ['a--b', /two hyphens in a row/],
    ['trailing-', /ends with a hyphen/],
    ['x'.repeat(256), /256 characters long; RDS allows at most 255/],
  ])('explicit %p is refused', (id, message) => {
    expect(() => validateSnapshotIdentifier(id, 'instance')).toThrow(InputError);
    expect(() => validateSnapshotIdentifier(id, 'instance')).toThrow(message);
  });

  test('legal explicit identifiers are lowercased as RDS stores them', () => {
    expect(validateSnapshotIdentifier('Before-Release-42', 'cluster')).toBe('before-release-42');
    expect(validateSnapshotIdentifier('x'.repeat(255), 'instance')).toHaveLength(255);
  });
});

describe('tags', () => {
  test("the action's own tags follow the user's", () => {
    expect(snapshotTags(RUN, [['team', 'payments']])).toEqual([
      { Key: 'team', Value: 'payments' },
      { Key: 'managed-by', Value: 'preview-db' },
      { Key: 'repository', Value: 'example-org/example-app' },
      { Key: 'commit', Value: RUN.sha },
      { Key: 'workflow-run', Value: '9000000001' },
      { Key: 'run-attempt', Value: '3' },
    ]);
  });

  test.each([
    [[['managed-by', 'me']], /set by the action itself/],
    [[['aws:thing', 'x']], /reserved by AWS/],
    [[['k'.repeat(129), 'x']], /longer than 128/],
    [[['note', 'semi;colon']], /may contain only/],
  ] as Array<[Array<[string, string]>, RegExp]>)('user tags %p are refused', (pairs, message) => {
    expect(() => validateUserTags(pairs)).toThrow(message);
  });

  test('a snapshot belongs to a run by managed-by, repository and workflow-run (any attempt)', () => {
    const tags = Object.fromEntries(snapshotTags(RUN, []).map((t) => [t.Key, t.Value]));
    expect(isFromRun(tags, { ...RUN, runAttempt: '4' })).toBe(true);
    expect(isFromRun(tags, { ...RUN, runId: '1' })).toBe(false);
    expect(isFromRun(tags, { ...RUN, repository: 'example-org/other' })).toBe(false);
    expect(isFromRun({ ...tags, 'managed-by': 'someone' }, RUN)).toBe(false);
  });
});

describe('the pruning plan', () => {
  const NOW = Date.parse('2026-11-22T00:00:00Z');
  const DAY = 86_400_000;
  const mark = { 'managed-by': 'preview-db' };
  const snap = (id: string, days: number, tags: Record<string, string> = mark, status = 'available'): PruneCandidate => ({
    id,
    status,
    createdAt: new Date(NOW - days * DAY),
    tags,
  });
  // new (0d), a (1d), b (3d), c (8d), d (20d); plus unmarked and in-progress ones.
  const all = [snap('new', 0), snap('a', 1), snap('b', 3), snap('c', 8), snap('d', 20), snap('hand', 100, {}), snap('busy', 50, mark, 'creating')];
  const removed = (policy: { retainCount?: number; retainDays?: number }) =>
    planPrune(all, policy, { now: NOW, newId: 'new' })
      .filter((d) => d.remove)
      .map((d) => d.id);

  test.each([
    [{}, []],
    [{ retainCount: 1 }, ['a', 'b', 'c', 'd']],
    [{ retainCount: 3 }, ['c', 'd']],
    [{ retainDays: 7 }, ['c', 'd']],
    [{ retainDays: 2 }, ['b', 'c', 'd']],
    [{ retainCount: 2, retainDays: 7 }, ['c', 'd']],
    [{ retainCount: 4, retainDays: 2 }, ['d']],
    [{ retainCount: 100, retainDays: 1 }, []],
  ])('%p removes %p', (policy, expected) => {
    expect(removed(policy)).toEqual(expected);
  });

  test('the new one, unmarked and unfinished snapshots are kept, each with its reason', () => {
    const decisions = planPrune(all, { retainCount: 1 }, { now: NOW, newId: 'new' });
    const reason = (id: string) => decisions.find((d) => d.id === id)!.reason;
    expect(reason('new')).toBe('the snapshot just taken');
    expect(reason('hand')).toMatch(/no managed-by=preview-db tag/);
    expect(reason('busy')).toBe('still creating');
    expect(reason('d')).toMatch(/not among the 1 newest \(#\d\)/);
    expect(decisions).toHaveLength(all.length);
  });

  test('the new snapshot counts as newest even when its clock says otherwise', () => {
    const skewed = [snap('new', 0.5), snap('a', 0.1)];
    expect(
      planPrune(skewed, { retainCount: 1 }, { now: NOW, newId: 'new' })
        .filter((d) => d.remove)
        .map((d) => d.id),
    ).toEqual(['a']);
  });

  test('planning before the new one exists reserves its slot', () => {
    const existing = all.filter((s) => s.id !== 'new');
    expect(
      planPrune(existing, { retainCount: 2 }, { now: NOW, reserveNewSlot: true })
        .filter((d) => d.remove)
        .map((d) => d.id),
    ).toEqual(['b', 'c', 'd']);
  });
});

test('restore commands', () => {
  expect(restoreCommand({ provider: 'rds', kind: 'instance', sourceId: 'orders', snapshotId: 's1', region: 'eu-west-1' })).toBe(
    'aws rds restore-db-instance-from-db-snapshot --region eu-west-1 --db-snapshot-identifier s1 --db-instance-identifier orders-restored',
  );
  expect(restoreCommand({ provider: 'rds', kind: 'cluster', sourceId: 'x'.repeat(63), snapshotId: 's1', region: 'eu-west-1', engine: 'aurora-mysql' })).toMatch(
    /--db-cluster-identifier x{54}-restored --engine aurora-mysql$/,
  );
});

test('polling pace: one floor drives polls and retries', () => {
  expect(pollIntervals(undefined)).toEqual({ initialIntervalMs: 1000, maxIntervalMs: 5000, retryBaseMs: 250, retryMaxMs: 10000 });
  expect(pollIntervals({ pollFloorMs: 20 })).toEqual({ initialIntervalMs: 20, maxIntervalMs: 100, retryBaseMs: 5, retryMaxMs: 200 });
});
