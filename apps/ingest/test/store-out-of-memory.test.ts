import { call, expectError, storedCount, useIngest } from './support/ingest-harness';

// The memory check only at 100%, so the batch below gets past it and meets Redis's own refusal.
const ingest = useIngest({ FERRY_SHARDS: '1', FERRY_MAX_REDIS_MEMORY: '1' });

const DEST = 'https://hooks.example.test/in';

describe('a batch when Redis is out of memory', () => {
  afterAll(() => ingest.redis.config('SET', 'maxmemory', '0'));

  it('answers 429 and stores none of it: one shard’s part is one script call, taken whole or refused', async () => {
    const used = Number(/used_memory:(\d+)/.exec(await ingest.redis.info('memory'))?.[1]);
    // Room for a few bodies; after that Redis refuses writes with OOM.
    await ingest.redis.config('SET', 'maxmemory', String(used + 600_000));
    await ingest.redis.config('SET', 'maxmemory-policy', 'noeviction');
    // Bodies small enough to come back in one socket read: larger replies make redis-parser start a
    // buffer-shrinking interval that outlives the test by a second or more.
    const batch = Array.from({ length: 30 }, (_, i) => ({ destination: DEST, body: `${i}:${'x'.repeat(40_000)}` }));
    const before = await storedCount(ingest.store);
    // Fill memory past the limit first, one message at a time until Redis refuses one.
    let accepted = 0;
    for (let i = 0; i < 100; i++) {
      const { status } = await call(ingest.base, 'POST', '/v1/messages', batch[i % batch.length]);
      if (status !== 202) break;
      accepted++;
    }
    const filled = await storedCount(ingest.store);
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(100);
    expect(filled).toBe(before + accepted);

    const answer = await call(ingest.base, 'POST', '/v1/messages/batch', batch);
    // Out of memory is backpressure, not an outage: retry once deliveries drain.
    expectError(answer, 429, 'RATE_LIMITED');
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(await storedCount(ingest.store)).toBe(filled);
  });
});
