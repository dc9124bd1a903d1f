import { call, expectError, storedCount, useIngest } from './support/ingest-harness';
import { waitFor } from '../../../test/support/wait';

// The memory check only at 100%, so the batch below gets past it and meets Redis's own refusal.
const ingest = useIngest({ FERRY_SHARDS: '1', FERRY_MAX_REDIS_MEMORY: '1' });

const DEST = 'https://hooks.example.test/in';

describe('a batch when Redis is out of memory', () => {
  afterAll(() => ingest.redis.config('SET', 'maxmemory', '0'));

  it('answers 429, and stores exactly the messages it reports as accepted', async () => {
    const used = Number(/used_memory:(\d+)/.exec(await ingest.redis.info('memory'))?.[1]);
    // Room for a few bodies; after that Redis refuses writes with OOM.
    await ingest.redis.config('SET', 'maxmemory', String(used + 600_000));
    await ingest.redis.config('SET', 'maxmemory-policy', 'noeviction');
    // Bodies small enough to come back in one socket read: larger replies make redis-parser start a
    // buffer-shrinking interval that outlives the test by a second or more.
    const batch = Array.from({ length: 30 }, (_, i) => ({ destination: DEST, body: `${i}:${'x'.repeat(40_000)}` }));
    const before = await storedCount(ingest.store);
    // Fill memory past the limit first, so the batch meets Redis's refusal.
    await call(ingest.base, 'POST', '/v1/messages/batch', batch.slice(0, 20));

    const filled = await storedCount(ingest.store);
    const answer = await call(ingest.base, 'POST', '/v1/messages/batch', batch);
    // Out of memory is backpressure, not an outage: retry the rest once deliveries drain.
    const error = expectError(answer, 429, 'RATE_LIMITED');
    expect(answer.headers.get('retry-after')).toBe('1');
    // A shard's part of a batch is one script call, which Redis takes whole or refuses; when some
    // parts were stored, details.results says which.
    const details = error.details as { results?: ({ messageId: string } | { error: { code: string } })[] } | undefined;
    const accepted = (details?.results ?? []).flatMap((result) => ('messageId' in result ? [result.messageId] : []));
    expect(await storedCount(ingest.store)).toBe(filled + accepted.length);
    expect(filled).toBeGreaterThanOrEqual(before);
  });
});

describe('Redis down', () => {
  it('answers 503 SERVICE_UNAVAILABLE within a few seconds, keeps /livez up and /readyz down, then recovers', async () => {
    expect((await call(ingest.base, 'POST', '/v1/messages', { destination: DEST })).status).toBe(202);
    await ingest.redisServer.kill9();

    const started = Date.now();
    expectError(await call(ingest.base, 'POST', '/v1/messages', { destination: DEST }), 503, 'SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(3_000);
    expectError(await call(ingest.base, 'POST', '/v1/messages/batch', [{ destination: DEST }]), 503, 'SERVICE_UNAVAILABLE');
    expectError(await call(ingest.base, 'GET', '/v1/messages/msg_0_abcdefghijklm'), 503, 'SERVICE_UNAVAILABLE');
    expectError(await call(ingest.base, 'DELETE', '/v1/messages/msg_0_abcdefghijklm'), 503, 'SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await call(ingest.base, 'GET', '/readyz')).status).toBe(503);
    expect((await call(ingest.base, 'GET', '/livez')).status).toBe(200);
    // The outage is logged by the connection (once per 5 s); each request refused for it is one
    // warning without a stack trace, so an outage under load does not bury the log in them.
    const refusals = ingest.lines.filter((line) => line.code === 'SERVICE_UNAVAILABLE');
    expect(refusals.length).toBeGreaterThanOrEqual(4);
    expect(refusals.filter((line) => line.level === 40 && line.err === undefined).length).toBeGreaterThanOrEqual(3);

    await ingest.redisServer.start();
    await waitFor(async () => (await call(ingest.base, 'GET', '/readyz')).status === 200, {
      timeoutMs: 10_000,
      what: 'readiness after Redis is back',
    });
    expect((await call(ingest.base, 'POST', '/v1/messages', { destination: DEST })).status).toBe(202);
  });
});

describe('a failure the ingest does not recognise', () => {
  it('answers 500 INTERNAL with the request id, and logs it once as an error with its stack', async () => {
    const get = ingest.store.get;
    ingest.store.get = () => Promise.reject(new TypeError('record is not what the reader expected'));
    try {
      const answer = await call(ingest.base, 'GET', '/v1/messages/msg_0_abcdefghijklm');
      const error = expectError(answer, 500, 'INTERNAL');
      // The envelope says nothing of the cause; the log line under the same request id does.
      expect(error.message).not.toMatch(/record/);
      const logged = ingest.lines.filter((line) => line.requestId === error.requestId && line.msg === 'request failed');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 50, code: 'INTERNAL', err: { message: 'record is not what the reader expected', stack: expect.stringContaining('TypeError') } });
    } finally {
      ingest.store.get = get;
    }
  });
});
