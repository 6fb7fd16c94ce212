// The cleanup safety rules (one pure function), checked on thousands of random branch
// sets, and the pacer that keeps a sweep inside Neon's rate limits (on a virtual clock).
import { describe, expect, test } from '@jest/globals';
import { pullRequestFromName } from '../src/shared/naming.js';
import { selectForDeletion, startsWithPrefix, validatePrefixes, type PreviewResource, type SelectionRules } from '../src/cleanup/select.js';
import { Pacer, NEON_RATE_LIMIT, forEachBounded } from '../src/shared/pacer.js';
import { renderCleanupSummary, type CleanupReport } from '../src/cleanup/index.js';
import { InputError } from '../src/shared/errors.js';

/** mulberry32: a small seeded PRNG, so a failure reproduces from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 86400;

function resource(name: string, extra: Partial<PreviewResource> = {}): PreviewResource {
  return { id: `br-${name}`, name, isDefault: false, isProtected: false, children: [], lastActivity: new Date(NOW.getTime() - 30 * DAY * 1000), ...extra };
}

const stale = (extra: Partial<SelectionRules> = {}): SelectionRules => ({
  mode: 'stale',
  prefixes: ['preview/'],
  olderThanSeconds: 7 * DAY,
  now: NOW,
  ...extra,
});

describe('selectForDeletion', () => {
  test('stale mode deletes only idle previews and says why the others stay', () => {
    const selection = selectForDeletion(
      [
        resource('main', { isDefault: true }),
        resource('production', { isProtected: true }),
        resource('preview/pr-1'),
        resource('preview/pr-2', { lastActivity: new Date(NOW.getTime() - 3600_000), activitySource: 'compute ep-1 active' }),
        resource('preview/pr-3', { isProtected: true }),
        resource('preview/pr-4', { children: ['preview/pr-4-child'] }),
        resource('preview/pr-5', { isDefault: true }),
        resource('preview/pr-6', { lastActivity: undefined }),
        resource('previews/pr-7'),
        resource('staging'),
      ],
      stale(),
    );
    expect(selection.candidates.map((c) => c.name)).toEqual(['preview/pr-1']);
    expect(selection.candidates[0]!.why).toBe('no activity for 30d');
    expect(selection.skipped).toEqual([
      { name: 'preview/pr-2', reason: 'active 1h ago (compute ep-1 active), within older-than 7d' },
      { name: 'preview/pr-3', reason: 'a protected branch' },
      { name: 'preview/pr-4', reason: 'has child branches (preview/pr-4-child); delete them first' },
      { name: 'preview/pr-5', reason: "the project's default branch" },
      { name: 'preview/pr-6', reason: 'its last activity is unknown' },
    ]);
    expect(selection.notPreviews).toBe(4);
  });

  test('an expired Postgres preview goes although it is active, but never past the safety rules', () => {
    const recent = new Date(NOW.getTime() - 3600_000);
    const expired = new Date(NOW.getTime() - 60_000);
    const selection = selectForDeletion(
      [
        resource('preview/expired', { marked: true, lastActivity: recent, expiresAt: expired }),
        resource('preview/not-yet', { marked: true, lastActivity: recent, expiresAt: new Date(NOW.getTime() + 60_000) }),
        resource('preview/unmarked', { marked: false, lastActivity: recent, expiresAt: expired }),
        resource('preview/protected', { marked: true, isProtected: true, expiresAt: expired }),
      ],
      stale(),
    );
    expect(selection.candidates.map((c) => [c.name, c.why])).toEqual([['preview/expired', `it expired at ${expired.toISOString()} (expires-in)`]]);
    expect(selection.skipped.map((s) => s.name)).toEqual(['preview/not-yet', 'preview/protected']);
  });

  test('closed pull requests go whatever their activity; unmarked and reserved databases never', () => {
    const fresh = new Date(NOW.getTime() - 60_000);
    const selection = selectForDeletion(
      [
        resource('preview/pr-8', { lastActivity: fresh, pullRequest: 8 }),
        resource('preview/pr-9', { lastActivity: fresh, pullRequest: 9 }),
        resource('preview/pr-10', { marked: false, pullRequest: 10 }),
        resource('preview/pr-11', { marked: true, reserved: 'it is a template database', pullRequest: 11 }),
        resource('preview/pr-12', { marked: true, isProtected: true, pullRequest: 12 }),
      ],
      stale({ closedPullRequests: new Set([8, 10, 11, 12]) }),
    );
    expect(selection.candidates.map((c) => [c.name, c.why])).toEqual([['preview/pr-8', 'pull request #8 is closed']]);
    expect(selection.skipped.map((s) => s.name)).toEqual(['preview/pr-9', 'preview/pr-12']);
  });

  test('PR mode considers only the named preview, and reports why it is kept', () => {
    const resources = [resource('preview/pr-1'), resource('preview/pr-2', { children: ['x'] }), resource('main', { isDefault: true })];
    expect(selectForDeletion(resources, { ...stale(), mode: 'pr', branchName: 'preview/pr-1' }).candidates.map((c) => c.name)).toEqual(['preview/pr-1']);
    expect(selectForDeletion(resources, { ...stale(), mode: 'pr', branchName: 'preview/pr-2' })).toMatchObject({
      candidates: [],
      skipped: [{ name: 'preview/pr-2', reason: expect.stringMatching(/child branches \(x\)/) }],
    });
    expect(selectForDeletion(resources, { ...stale(), mode: 'pr', branchName: 'main' }).skipped[0]!.reason).toMatch(
      /^not a preview: its name does not start with 'preview\/'/,
    );
    expect(selectForDeletion([resource('preview/pr-3', { marked: false })], { ...stale(), mode: 'pr', branchName: 'preview/pr-3' }).skipped[0]!.reason).toMatch(
      /managed-by=preview-db mark/,
    );
    // Activity does not matter when the pull request closed.
    expect(
      selectForDeletion([resource('preview/pr-4', { lastActivity: NOW })], { ...stale(), mode: 'pr', branchName: 'preview/pr-4' }).candidates,
    ).toHaveLength(1);
  });

  test('prefixes that would match (nearly) everything are refused', () => {
    for (const bad of [[], [''], ['/'], ['p'], ['--'], ['pr'], ['preview/*'], ['preview/', '/']]) {
      expect(() => validatePrefixes(bad)).toThrow(InputError);
    }
    expect(validatePrefixes(['preview/', 'ci-', 'preview/'])).toEqual(['preview/', 'ci-']);
  });

  test('pull request numbers are read from preview names', () => {
    expect(pullRequestFromName('preview/pr-42')).toBe(42);
    expect(pullRequestFromName('preview/pr42')).toBe(42);
    expect(pullRequestFromName('ci_pr-7')).toBe(7);
    expect(pullRequestFromName('preview/feature-x')).toBeUndefined();
    expect(pullRequestFromName('preview/pr-0')).toBeUndefined();
    expect(pullRequestFromName('preview/pr-42-old')).toBeUndefined();
  });
});

describe('property: no non-preview is ever selected', () => {
  const NAMES = [
    'main',
    'master',
    'production',
    'prod',
    'staging',
    'dev',
    'preview',
    'previews/pr-1',
    'Preview/pr-1',
    ' preview/pr-1',
    'xpreview/pr-1',
    'preview/pr-1',
    'preview/pr-2',
    'preview/pr-3',
    'preview/feature',
    'preview/',
    'ci-pr-4',
    'ci-',
    'ci/pr-5',
    'release/1.0',
    'pr-6',
    '',
  ];
  const PREFIX_POOL = ['preview/', 'ci-', 'review/', 'preview/pr-', '', '/', 'p', 'pre', '*', 'tmp/'];

  function randomSet(random: () => number): { resources: PreviewResource[]; rules: SelectionRules } | { badPrefixes: string[] } {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const chance = (p: number) => random() < p;
    const prefixes = Array.from({ length: Math.floor(random() * 3) }, () => pick(PREFIX_POOL));
    try {
      validatePrefixes(prefixes);
    } catch {
      return { badPrefixes: prefixes };
    }
    const count = Math.floor(random() * 25);
    const resources: PreviewResource[] = [];
    for (let i = 0; i < count; i++) {
      const name = chance(0.2) ? `${pick(NAMES)}${Math.floor(random() * 1000)}` : pick(NAMES);
      const ageDays = random() * 40 - 2;
      resources.push({
        id: `r${i}`,
        name,
        isDefault: chance(0.1),
        isProtected: chance(0.15),
        children: chance(0.15) ? [pick(NAMES)] : [],
        marked: chance(0.5) ? undefined : chance(0.7),
        reserved: chance(0.1) ? 'a template' : undefined,
        lastActivity: chance(0.1) ? undefined : chance(0.05) ? new Date(NaN) : new Date(NOW.getTime() - ageDays * DAY * 1000),
        pullRequest: chance(0.6) ? 1 + Math.floor(random() * 10) : undefined,
        expiresAt: chance(0.3) ? new Date(NOW.getTime() + (random() * 4 - 2) * DAY * 1000) : undefined,
      });
    }
    const mode = chance(0.5) ? 'pr' : 'stale';
    const closed = new Set(Array.from({ length: Math.floor(random() * 6) }, () => 1 + Math.floor(random() * 10)));
    return {
      resources,
      rules: {
        mode,
        prefixes,
        branchName: mode === 'pr' ? pick(NAMES) : undefined,
        olderThanSeconds: Math.floor(random() * 14 * DAY),
        now: NOW,
        closedPullRequests: chance(0.5) ? closed : undefined,
      },
    };
  }

  test('5,000 random branch sets', () => {
    const seed = Number(process.env.CLEANUP_PROPERTY_SEED ?? 20260601);
    const random = prng(seed);
    let selected = 0;
    let refusedPrefixes = 0;
    for (let round = 0; round < 5000; round++) {
      const generated = randomSet(random);
      if ('badPrefixes' in generated) {
        // Refused prefixes never reach selection; the ones refused must really be too broad.
        refusedPrefixes++;
        const broad = generated.badPrefixes.length === 0 || generated.badPrefixes.some((p) => p.length < 3 || !/[a-z0-9]/i.test(p) || p.includes('*'));
        expect({ seed, round, prefixes: generated.badPrefixes, broad }).toEqual({ seed, round, prefixes: generated.badPrefixes, broad: true });
        continue;
      }
      const { resources, rules } = generated;
      const { candidates, skipped } = selectForDeletion(resources, rules);
      const cutoff = NOW.getTime() - rules.olderThanSeconds * 1000;
      for (const candidate of candidates) {
        const original = resources.find((r) => r.id === candidate.id)!;
        const violations = [
          !startsWithPrefix(original.name, rules.prefixes) && 'name outside prefixes',
          original.isDefault && 'default branch',
          original.isProtected && 'protected branch',
          original.children.length > 0 && 'has children',
          original.marked === false && 'unmarked database',
          original.reserved && 'reserved database',
          rules.mode === 'pr' && original.name !== rules.branchName && 'not the named branch',
          rules.mode === 'stale' &&
            !(original.pullRequest !== undefined && rules.closedPullRequests?.has(original.pullRequest)) &&
            !(original.lastActivity && original.lastActivity.getTime() < cutoff) &&
            !(original.expiresAt && original.expiresAt.getTime() <= NOW.getTime()) &&
            'neither idle, closed nor expired',
        ].filter(Boolean);
        if (violations.length > 0)
          throw new Error(
            `seed ${seed} round ${round}: selected ${JSON.stringify(original)} with ${JSON.stringify({ ...rules, closedPullRequests: [...(rules.closedPullRequests ?? [])] })}: ${violations.join(', ')}`,
          );
      }
      // And nothing a user would expect to go is silently dropped: every preview is either a candidate or kept with a reason.
      for (const r of resources) {
        const eligible =
          !r.reserved && r.marked !== false && startsWithPrefix(r.name, rules.prefixes) && (rules.mode === 'stale' || r.name === rules.branchName);
        if (eligible) expect(candidates.some((c) => c.id === r.id) || skipped.some((s) => s.name === r.name)).toBe(true);
      }
      selected += candidates.length;
    }
    // The generator must exercise both outcomes, or the property proves nothing.
    expect(selected).toBeGreaterThan(500);
    expect(refusedPrefixes).toBeGreaterThan(200);
  });
});

describe('Pacer', () => {
  function virtualClock() {
    let now = 0;
    return {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
  }

  test('2,000 requests never exceed any 60 s or 1 s window of Neon limits, and stay close to the floor', async () => {
    const clock = virtualClock();
    const pacer = new Pacer(NEON_RATE_LIMIT, clock);
    const times: number[] = [];
    await forEachBounded(Array.from({ length: 2000 }), 16, async () => {
      await pacer.acquire();
      times.push(clock.now());
    });
    let maxMinute = 0;
    let maxSecond = 0;
    for (let i = 0, j = 0, k = 0; i < times.length; i++) {
      while (times[j]! <= times[i]! - 60_000) j++;
      while (times[k]! <= times[i]! - 1000) k++;
      maxMinute = Math.max(maxMinute, i - j + 1);
      maxSecond = Math.max(maxSecond, i - k + 1);
    }
    expect(maxMinute).toBeLessThanOrEqual(700);
    expect(maxSecond).toBeLessThanOrEqual(40);
    const floorMs = (2000 / 700) * 60_000;
    expect(times.at(-1)! / floorMs).toBeLessThan(1.1);
  });

  test('a 429 pauses every waiting worker for Retry-After', async () => {
    const clock = virtualClock();
    const pacer = new Pacer({ perMinute: 6000, perSecond: 100 }, clock);
    await pacer.acquire();
    pacer.pause(2000);
    const started = clock.now();
    await Promise.all([pacer.acquire(), pacer.acquire(), pacer.acquire()]);
    expect(clock.now() - started).toBeGreaterThanOrEqual(2000);
    expect(pacer.pauseCount).toBe(1);
  });
});

test('the summary is a table with failures first and escapes names', () => {
  const report: CleanupReport = {
    provider: 'neon',
    mode: 'stale',
    dryRun: false,
    candidates: ['preview/a', 'preview/b|c'],
    deleted: ['preview/a'],
    alreadyGone: [],
    skipped: [{ name: 'preview/d', reason: 'a protected branch' }],
    failed: [{ name: 'preview/b|c', error: 'HTTP 500' }],
    notPreviews: 3,
    elapsedMs: 1234,
    failure: '1 of 2 deletion(s) failed',
    rows: [
      { name: 'preview/a', result: 'deleted', detail: 'no activity for 9d' },
      { name: 'preview/b|c', result: 'failed', detail: 'HTTP 500' },
      { name: 'preview/d', result: 'kept', detail: 'a protected branch' },
    ],
  };
  const summary = renderCleanupSummary(report, { olderThanSeconds: 7 * DAY, prefixes: ['preview/'] });
  expect(summary).toContain('1 deleted, 0 already gone, 1 failed, 1 kept; 3 other branch(es) or database(s) are not previews and were left alone');
  const rows = summary.split('\n').filter((line) => line.startsWith('| `'));
  expect(rows).toEqual([
    '| `preview/b\\|c` | failed | HTTP 500 |',
    '| `preview/a` | deleted | no activity for 9d |',
    '| `preview/d` | kept | a protected branch |',
  ]);
});
