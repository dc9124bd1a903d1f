import Redis, { ReplyError } from 'ioredis';
import { call, expectError, startIngest, storedCount, testLookup, useIngest } from './support/ingest-harness';
import { waitFor } from '../../../test/support/wait';

const ingest = useIngest({ FERRY_SHARDS: '4' });

const DEST = 'https://hooks.example.test/in';

describe('a batch part of which Redis refuses for lack of memory', () => {
  it('answers 429 saying which messages were accepted, and stores exactly those', async () => {
    const { store } = ingest;
    const origins = new Map<number, string>();
    for (let i = 0; origins.size < 2; i++) origins.set(store.shardOfDestination(`https://shop${i}.example.test`), `https://shop${i}.example.test`);
    const [[fullShard, full], [, roomy]] = [...origins] as [[number, string], [number, string]];
    // One shard's script call meets Redis's out-of-memory refusal; the other's runs for real.
    const redis = store.redis as unknown as { ferryEnqueue: (numKeys: number, ...args: Array<string | number>) => Promise<number[]> };
    const enqueue = redis.ferryEnqueue.bind(redis);
    const outOfMemory = new ReplyError("OOM command not allowed when used memory > 'maxmemory'.");
    const enqueueSpy = jest
      .spyOn(redis, 'ferryEnqueue')
      .mockImplementation((numKeys, ...args) => (args.includes(store.keys.deliveries(fullShard)) ? Promise.reject(outOfMemory) : enqueue(numKeys, ...args)));
    const batch = Array.from({ length: 6 }, (_, i) => ({ destination: `${i % 2 === 0 ? roomy : full}/in`, body: { i } }));
    const before = await storedCount(store);
    const refusedShardBefore = await store.redis.hlen(store.keys.deliveries(fullShard));

    const answer = await call(ingest.base, 'POST', '/v1/messages/batch', batch).finally(() => enqueueSpy.mockRestore());
    // Out of memory is backpressure, not an outage: retry the rest once deliveries drain.
    const error = expectError(answer, 429, 'RATE_LIMITED');
    expect(answer.headers.get('retry-after')).toBe('1');
    const { results } = error.details as { results: ({ messageId: string } | { error: { code: string } })[] };
    expect(results).toEqual(
      batch.map(({ destination }) =>
        destination === `${full}/in` ? { error: expect.objectContaining({ code: 'RATE_LIMITED' }) } : { messageId: expect.any(String) },
      ),
    );
    const accepted = results.flatMap((result) => ('messageId' in result ? [result.messageId] : []));
    expect(accepted.length).toBeGreaterThan(0);
    for (const id of accepted) expect(await store.get(id)).toBeDefined();
    expect(await store.redis.hlen(store.keys.deliveries(fullShard))).toBe(refusedShardBefore);
    expect(await storedCount(store)).toBe(before + accepted.length);
  });
});

describe('Redis down', () => {
  it('answers 503 SERVICE_UNAVAILABLE within a few seconds, keeps /livez up and /readyz down, then recovers', async () => {
    expect((await call(ingest.base, 'POST', '/v1/messages', { destination: DEST })).status).toBe(202);
    await ingest.redisServer.kill9();

    const started = Date.now();
    const refused = await call(ingest.base, 'POST', '/v1/messages', { destination: DEST });
    expectError(refused, 503, 'SERVICE_UNAVAILABLE');
    expect(refused.headers.get('retry-after')).toBe('5');
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

describe('Redis that stops answering', () => {
  it('answers 503 SERVICE_UNAVAILABLE once a command goes unanswered for its timeout, then recovers', async () => {
    const stalled = await startIngest(ingest.redisServer.url, { FERRY_SHARDS: '4' }, { lookup: testLookup, redisCommandTimeoutMs: 300 });
    const pauser = new Redis(ingest.redisServer.url);
    try {
      await pauser.call('CLIENT', 'PAUSE', '2000', 'ALL');
      const started = Date.now();
      const refused = expectError(await call(stalled.base, 'POST', '/v1/messages', { destination: DEST }), 503, 'SERVICE_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(1_500);
      // As for an outage: a warning with the reason, not an error with a stack on every request.
      const logged = stalled.lines.filter((line) => line.requestId === refused.requestId && line.msg === 'request failed');
      expect(logged).toEqual([expect.objectContaining({ level: 40, reason: expect.stringContaining('Command timed out') })]);
      expect(logged[0]).not.toHaveProperty('err');
      await pauser.call('CLIENT', 'UNPAUSE');
      await waitFor(async () => (await call(stalled.base, 'POST', '/v1/messages', { destination: DEST })).status === 202, {
        what: 'publishing after Redis answers again',
      });
    } finally {
      pauser.disconnect();
      await stalled.close();
    }
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
