import { z } from 'zod';
import { ConfigError, baseEnvSchema, parseEnv, withoutPassword } from './config';
import { envBool, envDurationMs, envInt } from './env-fields';

const schema = z
  .object({
    ...baseEnvSchema,
    PORT: envInt({ min: 0, max: 65_535, default: 8080 }),
    FERRY_LEASE_MS: envDurationMs('30s'),
    FERRY_REAP_INTERVAL_MS: envDurationMs('5s'),
    FERRY_DRY_RUN: envBool(false),
  })
  .superRefine((config, ctx) => {
    if (config.FERRY_REAP_INTERVAL_MS >= config.FERRY_LEASE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['FERRY_REAP_INTERVAL_MS'],
        message: 'must be shorter than FERRY_LEASE_MS, or leases expire unnoticed',
      });
    }
  });

function problemsOf(env: Record<string, string | undefined>, options?: Parameters<typeof parseEnv>[2]): string[] {
  try {
    parseEnv(schema, env, options);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseEnv', () => {
  it('applies the defaults to an empty environment', () => {
    const config = parseEnv(schema, {});
    expect(config).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'info',
      FERRY_KEY_PREFIX: 'ferry',
      FERRY_SHARDS: 4,
      FERRY_EVENTS_MAXLEN: 10_000,
      FERRY_MAX_FREE_ATTEMPTS: 5,
      FERRY_SHUTDOWN_TIMEOUT_MS: 30_000,
      PORT: 8080,
      FERRY_LEASE_MS: 30_000,
      FERRY_REAP_INTERVAL_MS: 5_000,
      FERRY_DRY_RUN: false,
    });
    // The result is typed by the schema.
    const shards: number = config.FERRY_SHARDS;
    expect(shards).toBe(4);
  });

  it.each(['127.0.0.1', '::1', '0.0.0.0', 'localhost', 'ferry.internal'])('takes FERRY_HOST=%s as the address to listen on', (host) => {
    expect(parseEnv(schema, { FERRY_HOST: host }).FERRY_HOST).toBe(host);
  });

  it.each(['127.0.0.1:8080', 'http://localhost', 'two words'])('refuses FERRY_HOST=%s', (host) => {
    expect(problemsOf({ FERRY_HOST: host })).toEqual([expect.stringMatching(/^FERRY_HOST: must be an IP address or a host name/)]);
  });

  it('reads set values and ignores variables outside FERRY_*', () => {
    const config = parseEnv(schema, {
      REDIS_URL: 'rediss://user:pw@redis.internal:6380/2',
      LOG_LEVEL: 'DEBUG',
      FERRY_SHARDS: '16',
      FERRY_LEASE_MS: '1m',
      PATH: '/usr/bin',
      HOME: undefined,
    });
    expect(config).toMatchObject({ REDIS_URL: 'rediss://user:pw@redis.internal:6380/2', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ FERRY_SHARDS: 16, FERRY_LEASE_MS: 60_000 });
  });

  it('refuses a shutdown timeout past an hour, which a timer could not hold anyway', () => {
    expect(parseEnv(schema, { FERRY_SHUTDOWN_TIMEOUT_MS: '1h' }).FERRY_SHUTDOWN_TIMEOUT_MS).toBe(3_600_000);
    expect(problemsOf({ FERRY_SHUTDOWN_TIMEOUT_MS: '30d' })).toEqual([expect.stringMatching(/^FERRY_SHUTDOWN_TIMEOUT_MS: must be at most 3600000/)]);
  });

  it('names every invalid variable and says why, in one error', () => {
    expect(problemsOf({ FERRY_LEASE_MS: 'abc', FERRY_SHARDS: '0', LOG_LEVEL: 'loud', FERRY_DRY_RUN: 'maybe' })).toEqual([
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'FERRY_SHARDS: must be at least 1 (got "0")',
      'FERRY_LEASE_MS: must be a whole number of milliseconds or a duration such as 250ms, 30s, 5m, 1h30m (got "abc")',
      'FERRY_DRY_RUN: must be one of true, false, 1, 0, yes, no (got "maybe")',
    ]);
  });

  it('puts the problems in the message too', () => {
    expect(() => parseEnv(schema, { FERRY_SHARDS: '2000' })).toThrow('FERRY_SHARDS: must be at most 1024 (got "2000")');
  });

  it('lets cross-field rules name the variable', () => {
    expect(problemsOf({ FERRY_LEASE_MS: '10s', FERRY_REAP_INTERVAL_MS: '20s' })).toEqual([
      'FERRY_REAP_INTERVAL_MS: must be shorter than FERRY_LEASE_MS, or leases expire unnoticed',
    ]);
  });

  it('rejects unknown FERRY_ variables by name and suggests the near miss', () => {
    expect(problemsOf({ FERRY_LEASE_MSS: '10s', FERRY_COLOUR: 'blue' })).toEqual([
      'FERRY_COLOUR: unknown variable',
      'FERRY_LEASE_MSS: unknown variable (did you mean FERRY_LEASE_MS?)',
    ]);
  });

  it('reports unknown and invalid variables together', () => {
    expect(problemsOf({ FERRY_SHARD: '8', FERRY_SHARDS: 'eight' })).toEqual([
      'FERRY_SHARD: unknown variable (did you mean FERRY_SHARDS?)',
      'FERRY_SHARDS: must be a whole number (got "eight")',
    ]);
  });

  it('accepts FERRY_ variables another service reads when told so', () => {
    expect(parseEnv(schema, { FERRY_CONCURRENCY: '64' }, { ignore: ['FERRY_CONCURRENCY'] }).FERRY_SHARDS).toBe(4);
  });

  it('treats an empty value as unset', () => {
    expect(parseEnv(schema, { FERRY_SHARDS: '', PORT: '' })).toMatchObject({ FERRY_SHARDS: 4, PORT: 8080 });
  });

  it('says "is required" for a plain zod field that is missing', () => {
    const withSecret = z.object({ FERRY_ADMIN_TOKEN: z.string().min(16) });
    expect(() => parseEnv(withSecret, {})).toThrow(new ConfigError(['FERRY_ADMIN_TOKEN: is required']));
  });

  it('refuses a schema whose variables it cannot list', () => {
    expect(() => parseEnv(z.record(z.string(), z.string()), {})).toThrow(TypeError);
  });
});

describe('baseEnvSchema', () => {
  it('requires a redis:// or rediss:// URL and never echoes its password', () => {
    const problems = problemsOf({ REDIS_URL: 'http://:hunter2@localhost:6379' });
    expect(problems).toEqual(['REDIS_URL: must be a redis:// or rediss:// URL (got "http://:***@localhost:6379")']);
    expect(problemsOf({ REDIS_URL: 'localhost:6379' })).toEqual([
      'REDIS_URL: must be a redis:// or rediss:// URL (got "localhost:6379")',
    ]);
  });

  it('requires a host, and a database given as a number', () => {
    for (const url of ['redis://127.0.0.1:6379/2', 'redis://[::1]:6379', 'redis://redis/', 'rediss://redis:6380?db=3']) {
      expect(parseEnv(schema, { REDIS_URL: url }).REDIS_URL).toBe(url);
    }
    expect(problemsOf({ REDIS_URL: 'redis::hunter2@127.0.0.1:6379' })).toEqual([
      'REDIS_URL: must name a host, as in redis://127.0.0.1:6379 (got "redis:***@127.0.0.1:6379")',
    ]);
    expect(problemsOf({ REDIS_URL: 'redis:127.0.0.1:6379' })).toHaveLength(1);
    for (const url of ['redis://127.0.0.1:6379/abc', 'redis://127.0.0.1:6379/1/2', 'redis://127.0.0.1:6379/-1', 'redis://127.0.0.1:6379?db=x']) {
      expect(problemsOf({ REDIS_URL: url })).toEqual([
        `REDIS_URL: must give the database as a number, as in redis://127.0.0.1:6379/2 (got "${url}")`,
      ]);
    }
  });

  it('restricts the key prefix to short plain names', () => {
    expect(parseEnv(schema, { FERRY_KEY_PREFIX: 'ferry_test-1' }).FERRY_KEY_PREFIX).toBe('ferry_test-1');
    expect(problemsOf({ FERRY_KEY_PREFIX: 'Ferry:{x}' })).toEqual([
      'FERRY_KEY_PREFIX: must be 1 to 32 characters of a-z, 0-9, _ and - (got "Ferry:{x}")',
    ]);
    expect(problemsOf({ FERRY_KEY_PREFIX: 'x'.repeat(33) })).toHaveLength(1);
  });
});

describe('withoutPassword', () => {
  it.each([
    ['redis://:hunter2@localhost:6379', 'redis://:***@localhost:6379'],
    ['rediss://app:p@ss/w:rd@redis:6380/1', 'rediss://app:***@redis:6380/1'],
    ['redis://app@localhost', 'redis://app@localhost'],
    ['redis://localhost:6379', 'redis://localhost:6379'],
    ['app:secret@localhost', 'app:***@localhost'],
  ])('masks %j as %j', (raw, masked) => {
    expect(withoutPassword(raw)).toBe(masked);
  });
});
