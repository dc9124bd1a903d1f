import { ApiError } from '@ferry/contracts';
import { createRedis, createMemoryLogger, type Redis } from '@ferry/runtime';
import { Store, type EnqueueRequest } from '@ferry/store';
import { Backpressure } from '../src/backpressure';
import { EnqueueBatcher } from '../src/enqueue-batcher';
import { useRedis } from '../../../test/support/use-redis';

const ctx = useRedis();
let redis: Redis;
let store: Store;

beforeAll(() => {
  redis = createRedis(ctx.server.url, { name: 'backpressure-test', log: createMemoryLogger().log });
});
afterAll(() => redis.quit());
beforeEach(async () => {
  store = new Store(redis, { prefix: 'bp', shards: 4, eventsMaxLen: 1_000, maxFreeAttempts: 3 });
  await store.ensureShardCount();
});

const message = (n: number): EnqueueRequest => ({
  tenant: 'default',
  url: `https://shop${n}.example.test/in`,
  method: 'POST',
  headers: {},
  maxAttempts: 1,
});

const refusal = (admission: Promise<unknown>) =>
  admission.then(
    () => 'admitted',
    (err: unknown) => (err instanceof ApiError ? err.code : err),
  );

describe('Backpressure counting a backlog', () => {
  it('admits no more than the limit from admissions that all wait on one read', async () => {
    const backpressure = new Backpressure({ store, maxBacklog: 2, maxMemoryFraction: 1 });
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => refusal(backpressure.admit('default', 1))));
    expect(outcomes).toEqual(['admitted', 'admitted', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('counts messages admitted but not yet written when a read starts before their write', async () => {
    const backpressure = new Backpressure({ store, maxBacklog: 1, maxMemoryFraction: 1, backlogMaxAgeMs: 0 });
    const batcher = new EnqueueBatcher(store);
    const settled = await backpressure.admit('default', 1);
    // The batcher writes on the next turn; the read the next admission starts goes out first.
    const written = batcher.enqueue(message(1)).finally(settled);
    expect(await refusal(backpressure.admit('default', 1))).toBe('RATE_LIMITED');
    await written;
    expect(await refusal(backpressure.admit('default', 1))).toBe('RATE_LIMITED');
  });

  it('lets the count fall again once a refused write has settled', async () => {
    const backpressure = new Backpressure({ store, maxBacklog: 1, maxMemoryFraction: 1, backlogMaxAgeMs: 0 });
    const settled = await backpressure.admit('default', 1);
    // The enqueue failed (say, Redis refused it): nothing was written.
    settled();
    settled();
    expect(await refusal(backpressure.admit('default', 1))).toBe('admitted');
  });
});
