import { parseDuration, formatDuration, formatMillis } from '../src/shared/duration.js';
import { parseList, parseBoolean, parseChoice, parseKeyValues, exactlyOneOf, parseCount } from '../src/shared/parse.js';
import { withRetries, backoffDelay, parseRetryAfter, pollUntil, DeadlineExceededError } from '../src/shared/retry.js';
import { databaseNameForBranch, validateBranchName, quoteIdent, quoteLiteral } from '../src/shared/naming.js';
import { InputError } from '../src/shared/errors.js';
import { formatMarker, parseMarker } from '../src/providers/postgres/marker.js';
import { secretsOfUrl } from '../src/shared/secrets.js';

describe('parseDuration', () => {
  test.each([
    ['30s', 30],
    ['5m', 300],
    ['72h', 259200],
    ['7d', 604800],
    ['2w', 1209600],
    ['1h30m', 5400],
    ['1d2h3m4s', 93784],
    ['45', 45],
    [' 10m ', 600],
    ['0', 0],
  ])('%s is %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
  test.each(['', '5x', '1.5h', 'm', '-5m', '30m1h', '7 d', 'abc'])('%j is refused with the input named', (text) => {
    expect(() => parseDuration(text, 'expires-in')).toThrow(InputError);
    expect(() => parseDuration(text, 'expires-in')).toThrow(/Input 'expires-in'/);
  });
  test('formatting round-trips', () => {
    for (const seconds of [1, 59, 60, 3600, 5400, 93784, 604800]) expect(parseDuration(formatDuration(seconds))).toBe(seconds);
    expect(formatMillis(850)).toBe('850ms');
    expect(formatMillis(12_345)).toBe('12.3s');
    expect(formatMillis(245_000)).toBe('4m05s');
  });
});

describe('input parsers', () => {
  test('lists split on commas and newlines and drop blanks', () => {
    expect(parseList('a, b\n\nc,\n d ')).toEqual(['a', 'b', 'c', 'd']);
    expect(parseList('')).toEqual([]);
  });
  test('booleans are exactly true or false', () => {
    expect(parseBoolean('TRUE', 'x', false)).toBe(true);
    expect(parseBoolean('false', 'x', true)).toBe(false);
    expect(parseBoolean('', 'x', true)).toBe(true);
    expect(() => parseBoolean('yes', 'dry-run', false)).toThrow(/Input 'dry-run'.*true or false/);
  });
  test('choices name the allowed values', () => {
    expect(parseChoice('', 'mode', ['pr', 'stale'] as const, 'pr')).toBe('pr');
    expect(() => parseChoice('weekly', 'mode', ['pr', 'stale'] as const, 'pr')).toThrow(/pr, stale/);
  });
  test('key=value lines', () => {
    expect(parseKeyValues('a=1\nb = two=2', 'tags')).toEqual([
      ['a', '1'],
      ['b', 'two=2'],
    ]);
    expect(() => parseKeyValues('a=1\na=2', 'tags')).toThrow(/given twice/);
    expect(() => parseKeyValues('novalue', 'tags')).toThrow(/key=value/);
  });
  test('counts and exactly-one-of', () => {
    expect(parseCount('', 'n', 50)).toBe(50);
    expect(() => parseCount('-1', 'max-deletions', 50)).toThrow(InputError);
    expect(exactlyOneOf({ a: '', b: 'x' })).toBe('b');
    expect(() => exactlyOneOf({ a: 'x', b: 'y' })).toThrow(/only one/);
    expect(() => exactlyOneOf({ a: '', b: undefined })).toThrow(/set one of/);
  });
});

describe('retry', () => {
  const noSleep = async () => {};
  test('retries transient failures, then succeeds', async () => {
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error('busy'), { transient: true });
        return 'ok';
      },
      {
        deadline: Date.now() + 10_000,
        classify: (e) => ((e as { transient?: boolean }).transient ? { retry: true, reason: 'busy' } : { retry: false }),
        sleep: noSleep,
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });
  test('permanent failures are not retried', async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw new Error('401');
        },
        { deadline: Date.now() + 10_000, classify: () => ({ retry: false }), sleep: noSleep },
      ),
    ).rejects.toThrow('401');
    expect(calls).toBe(1);
  });
  test('the deadline bounds the retries', async () => {
    let now = 0;
    const slept: number[] = [];
    await expect(
      withRetries(
        async () => {
          throw new Error('503');
        },
        {
          deadline: 5_000,
          classify: () => ({ retry: true, reason: '503' }),
          now: () => now,
          random: () => 1,
          sleep: async (ms) => {
            slept.push(ms);
            now += ms;
          },
        },
      ),
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5_000);
    expect(slept.length).toBeGreaterThan(2);
  });
  test('Retry-After is a floor for the delay', async () => {
    const slept: number[] = [];
    let calls = 0;
    await withRetries(
      async () => {
        if (calls++ === 0) throw new Error('429');
        return 1;
      },
      {
        deadline: Date.now() + 60_000,
        classify: () => ({ retry: true, reason: '429', retryAfterMs: 2_000 }),
        sleep: async (ms) => {
          slept.push(ms);
        },
        random: () => 0.5,
      },
    );
    expect(slept[0]).toBeGreaterThanOrEqual(2_000);
  });
  test("a verdict's own maxDelayMs caps the backoff for that failure, so a lock that clears is noticed within the cap", async () => {
    // Worst case jitter (random = 1) on a simulated clock: the lock clears at 20 s.
    let now = 0;
    const slept: number[] = [];
    const clearsAt = 20_000;
    const doneAt = await withRetries(
      async () => {
        if (now < clearsAt) throw new Error('423');
        return now;
      },
      {
        deadline: 600_000,
        baseDelayMs: 250,
        maxDelayMs: 10_000,
        random: () => 1,
        now: () => now,
        classify: () => ({ retry: true, reason: '423', maxDelayMs: 750 }),
        sleep: async (ms) => {
          slept.push(ms);
          now += ms;
        },
      },
    );
    expect(Math.max(...slept)).toBe(750);
    expect(doneAt - clearsAt).toBeLessThanOrEqual(750);
    // Without the verdict's cap the same run backs off to the caller's 10 s.
    now = 0;
    slept.length = 0;
    await withRetries(
      async () => {
        if (now < clearsAt) throw new Error('503');
        return now;
      },
      {
        deadline: 600_000,
        baseDelayMs: 250,
        maxDelayMs: 10_000,
        random: () => 1,
        now: () => now,
        classify: () => ({ retry: true, reason: '503' }),
        sleep: async (ms) => {
          slept.push(ms);
          now += ms;
        },
      },
    );
    expect(Math.max(...slept)).toBeGreaterThan(4_000);
  });
  test('backoff grows exponentially under a cap, with full jitter', () => {
    expect(backoffDelay(1, 100, 1000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 1000, () => 1)).toBe(400);
    expect(backoffDelay(10, 100, 1000, () => 1)).toBe(1000);
    expect(backoffDelay(10, 100, 1000, () => 0.25)).toBe(250);
  });
  test('Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
  test('polling starts fast and slows down', async () => {
    const waits: number[] = [];
    let checks = 0;
    const value = await pollUntil(async () => (++checks >= 6 ? 'ready' : undefined), {
      deadline: Date.now() + 60_000,
      what: 'x',
      initialIntervalMs: 100,
      maxIntervalMs: 400,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(value).toBe('ready');
    expect(waits).toEqual([100, 150, 225, 338, 400]);
  });
});

describe('naming', () => {
  test.each([
    ['preview/pr-42', 'preview_pr_42'],
    ['Feature/Login-Page', 'feature_login_page'],
    ['123-fix', 'p_123_fix'],
    ['--x--', 'x'],
  ])('branch %s gets database %s', (branch, database) => {
    expect(databaseNameForBranch(branch)).toBe(database);
  });
  test('long names are cut to 63 bytes and stay distinct', () => {
    const a = databaseNameForBranch(`preview/${'a'.repeat(100)}-1`);
    const b = databaseNameForBranch(`preview/${'a'.repeat(100)}-2`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(databaseNameForBranch(`preview/${'a'.repeat(100)}-1`)).toBe(a);
  });
  test('every derived name is a legal unquoted identifier', () => {
    for (const branch of ['ünïcode/ß', 'a b c', 'preview/PR#7', '_', 'x'.repeat(300), 'snake_case', '9']) {
      expect(databaseNameForBranch(branch)).toMatch(/^[a-z][a-z0-9_]{0,62}$/);
    }
  });
  test('branch names Neon or Postgres refuse are input errors', () => {
    expect(() => validateBranchName('')).toThrow(/branch-name/);
    expect(() => validateBranchName('a\nb')).toThrow(/control characters/);
    expect(() => validateBranchName('x'.repeat(257))).toThrow(/256/);
    expect(() => validateBranchName(' padded')).toThrow(/space/);
    expect(validateBranchName('preview/pr-1')).toBe('preview/pr-1');
  });
  test('quoting', () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });
  test('the Postgres preview mark round-trips and rejects look-alikes', () => {
    const marker = {
      branch: 'preview/pr-7; x=y',
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-08T00:00:00.000Z',
      repository: 'example-org/example-app',
      pullRequest: 7,
    };
    expect(parseMarker(formatMarker(marker))).toEqual(marker);
    expect(formatMarker(marker)).toContain('managed-by=preview-db');
    expect(parseMarker('managed-by=someone-else; branch=x')).toBeUndefined();
    expect(parseMarker('production database')).toBeUndefined();
    expect(parseMarker(null)).toBeUndefined();
  });
});

describe('secrets of a URL', () => {
  test('the URL and its password, percent-encoded and decoded', () => {
    const url = 'postgres://admin:p%40ss%2Fw%3Ard@db.example.test:5432/app';
    expect(secretsOfUrl(url)).toEqual([url, 'p%40ss%2Fw%3Ard', 'p@ss/w:rd']);
    expect(secretsOfUrl('postgres://admin:plain@db.example.test/app')).toEqual(['postgres://admin:plain@db.example.test/app', 'plain']);
    expect(secretsOfUrl('not a url')).toEqual(['not a url']);
    expect(secretsOfUrl('')).toEqual([]);
  });
});
