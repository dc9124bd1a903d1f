import type Redis from 'ioredis';
import type { RedisServer } from '../../../test/support/redis-server';
import { useRedis } from '../../../test/support/use-redis';
import { Store, type ClaimedDelivery, type EnqueueRequest, type StoreOptions } from '../src';

/** One real redis-server per test file; a fresh keyspace and Store per test. */
export function useStore(options: Partial<StoreOptions> = {}) {
  const ctx = useRedis() as { server: RedisServer; redis: Redis; store: Store };
  beforeEach(() => {
    ctx.store = new Store(ctx.redis, { prefix: 'ferry', shards: 1, eventsMaxLen: 1000, maxFreeAttempts: 2, ...options });
  });
  return ctx;
}

export function message(overrides: Partial<EnqueueRequest> = {}): EnqueueRequest {
  return {
    tenant: 'default',
    url: 'https://a.example/hook',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"n":1}',
    maxAttempts: 3,
    ...overrides,
  };
}

export const outcome = (statusCode = 200) => ({ startedAt: Date.now(), durationMs: 12, statusCode });

export const failed = (backoffMs = 0, final = false) => ({ backoffMs, final, summary: 'HTTP 500' });

/** Claims up to `limit` from a shard, as a dispatcher with a generous default cap would. */
export async function claim(store: Store, limit = 10, leaseMs = 30_000, shard = 0): Promise<ClaimedDelivery[]> {
  return (await store.claim(shard, { limit, leaseMs, defaultConcurrency: 1_000 })).deliveries;
}

export async function claimOne(store: Store, leaseMs = 30_000, shard = 0): Promise<ClaimedDelivery> {
  const [delivery] = await claim(store, 1, leaseMs, shard);
  if (!delivery) throw new Error('nothing to claim');
  return delivery;
}

/**
 * Runs `work` while every enqueue script call runs in Redis but its reply is lost (the call
 * rejects afterwards), as when the connection drops between the two.
 */
export async function withEnqueueRepliesLost<T>(store: Store, work: () => Promise<T>): Promise<T> {
  const ran = store.redis.ferryEnqueue.bind(store.redis);
  const lost = jest.spyOn(store.redis, 'ferryEnqueue').mockImplementation(async (...args: Parameters<typeof ran>) => {
    await ran(...args);
    throw new Error('connection lost');
  });
  try {
    return await work();
  } finally {
    lost.mockRestore();
  }
}

/**
 * Runs `work` while every enqueue script call runs twice and answers the second run, as when
 * ioredis sends a command again after a reconnect because the first run's reply never came.
 */
export async function withEnqueuesResent<T>(store: Store, work: () => Promise<T>): Promise<T> {
  const send = store.redis.ferryEnqueue.bind(store.redis);
  const resent = jest.spyOn(store.redis, 'ferryEnqueue').mockImplementation(async (...args: Parameters<typeof send>) => {
    await send(...args);
    return send(...args);
  });
  try {
    return await work();
  } finally {
    resent.mockRestore();
  }
}
