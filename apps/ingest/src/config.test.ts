import { ConfigError } from '@ferry/runtime';
import { loadConfig } from './config';

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      redisUrl: 'redis://127.0.0.1:6379',
      logLevel: 'info',
      keyPrefix: 'ferry',
      shards: 4,
      apiToken: undefined,
      maxBodyBytes: 1_048_576,
      defaultRetries: 5,
      maxRetries: 20,
      maxDelayMs: 30 * 86_400_000,
      maxTimeoutMs: 15_000,
      allowPrivateDestinations: false,
      eventsMaxLen: 10_000,
      maxFreeAttempts: 5,
      shutdownTimeoutMs: 30_000,
      maxBacklog: 1_000_000,
      maxRedisMemory: 0.9,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '0',
      REDIS_URL: 'redis://redis:6380/2',
      LOG_LEVEL: 'debug',
      FERRY_KEY_PREFIX: 'staging',
      FERRY_SHARDS: '16',
      FERRY_API_TOKEN: 's3cret-token',
      FERRY_MAX_BODY_BYTES: '65536',
      FERRY_DEFAULT_RETRIES: '3',
      FERRY_MAX_RETRIES: '10',
      FERRY_MAX_DELAY: '7d',
      FERRY_DELIVERY_TIMEOUT_MS: '30000',
      FERRY_ALLOW_PRIVATE_DESTINATIONS: 'yes',
      FERRY_EVENTS_MAXLEN: '5000',
      FERRY_MAX_FREE_ATTEMPTS: '2',
      FERRY_SHUTDOWN_TIMEOUT_MS: '10s',
      FERRY_MAX_BACKLOG: '5000',
      FERRY_MAX_REDIS_MEMORY: '0.75',
    });
    expect(config).toMatchObject({
      port: 0,
      shards: 16,
      apiToken: 's3cret-token',
      maxBodyBytes: 65_536,
      defaultRetries: 3,
      maxRetries: 10,
      maxDelayMs: 7 * 86_400_000,
      maxTimeoutMs: 30_000,
      allowPrivateDestinations: true,
      eventsMaxLen: 5_000,
      maxFreeAttempts: 2,
      shutdownTimeoutMs: 10_000,
      maxBacklog: 5_000,
      maxRedisMemory: 0.75,
    });
  });

  it('names each bad variable, unknown FERRY_* ones included', () => {
    const found = problems({
      PORT: '70000',
      FERRY_MAX_BODY_BYTES: '1MB',
      FERRY_MAX_DELAY: 'a month',
      FERRY_ALLOW_PRIVATE_DESTINATIONS: 'sure',
      FERRY_TENANT: 'acme',
      FERRY_API_TOKEN: 'token\n',
    });
    for (const name of ['PORT', 'FERRY_MAX_BODY_BYTES', 'FERRY_MAX_DELAY', 'FERRY_ALLOW_PRIVATE_DESTINATIONS', 'FERRY_TENANT', 'FERRY_API_TOKEN']) {
      expect(found).toContainEqual(expect.stringMatching(new RegExp(`^${name}: `)));
    }
  });

  it.each(['abc def', 'tab\there', 'caf\u00e9'])('refuses FERRY_API_TOKEN=%j, which no Authorization header could match', (token) => {
    expect(problems({ FERRY_API_TOKEN: token })).toEqual([expect.stringMatching(/^FERRY_API_TOKEN: must be visible ASCII/)]);
  });

  it.each(['0', '1.5', '90%', '-0.5', 'half', '.', '1e-1'])('refuses FERRY_MAX_REDIS_MEMORY=%s', (value) => {
    expect(problems({ FERRY_MAX_REDIS_MEMORY: value })).toEqual([expect.stringMatching(/^FERRY_MAX_REDIS_MEMORY: must be a fraction above 0/)]);
  });

  it.each([['1', 1], ['0.5', 0.5], ['.95', 0.95], ['1.0', 1]])('reads FERRY_MAX_REDIS_MEMORY=%s as %d', (value, fraction) => {
    expect(loadConfig({ FERRY_MAX_REDIS_MEMORY: value }).maxRedisMemory).toBe(fraction);
  });

  // The dispatcher reads the same variable from the same environment (deliveryEnvSchema).
  it('reads FERRY_DELIVERY_TIMEOUT_MS as a duration, as the dispatcher does, up to ten minutes', () => {
    expect(loadConfig({ FERRY_DELIVERY_TIMEOUT_MS: '20s' }).maxTimeoutMs).toBe(20_000);
    expect(loadConfig({ FERRY_DELIVERY_TIMEOUT_MS: '10m' }).maxTimeoutMs).toBe(600_000);
    expect(problems({ FERRY_DELIVERY_TIMEOUT_MS: '11m' })).toEqual([expect.stringMatching(/^FERRY_DELIVERY_TIMEOUT_MS: /)]);
  });

  it('refuses default retries above the maximum', () => {
    expect(problems({ FERRY_DEFAULT_RETRIES: '8', FERRY_MAX_RETRIES: '6' })).toEqual([
      'FERRY_DEFAULT_RETRIES: must not exceed FERRY_MAX_RETRIES (6)',
    ]);
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ FERRY_API_TOKEN: '', PORT: '' })).toMatchObject({ apiToken: undefined, port: 8080 });
  });
});
