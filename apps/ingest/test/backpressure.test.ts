import {
  call,
  deliverAll,
  expectError,
  storedCount,
  tenantBacklog,
  useIngest,
  type Answer,
  type RunningIngest,
} from './support/ingest-harness';
import { waitFor } from '../../../test/support/wait';

const publish = (ingest: RunningIngest, i: number) =>
  call(ingest.base, 'POST', '/v1/messages', { destination: `https://shop${i % 3}.example.test/hook`, body: { i } });
const publishBatch = (ingest: RunningIngest, size: number) => {
  const batch = Array.from({ length: size }, (_, i) => ({ destination: `https://shop${i % 3}.example.test/batch` }));
  return call(ingest.base, 'POST', '/v1/messages/batch', batch);
};

function expectRateLimited(answer: Answer): unknown {
  const error = expectError(answer, 429, 'RATE_LIMITED');
  expect(answer.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  return error.details;
}

async function rateLimitedCount(ingest: RunningIngest): Promise<number> {
  const metrics = await (await fetch(`${ingest.base}/metrics`)).text();
  const count = /^ferry_publish_rejected_total\{code="RATE_LIMITED"[^}]*\} (\d+)$/m.exec(metrics)?.[1];
  if (count === undefined) throw new Error('no RATE_LIMITED count on /metrics');
  return Number(count);
}

describe('FERRY_MAX_BACKLOG', () => {
  const ingest = useIngest({ FERRY_MAX_BACKLOG: '5' });

  it('accepts messages up to the limit, then answers 429 with Retry-After and writes nothing', async () => {
    for (let i = 0; i < 3; i++) expect((await publish(ingest, i)).status).toBe(202);

    expect(expectRateLimited(await publishBatch(ingest, 3))).toEqual({ backlog: 3, maxBacklog: 5 });
    expect(await storedCount(ingest.store)).toBe(3);
    expect((await publishBatch(ingest, 2)).status).toBe(202);

    const sixth = await publish(ingest, 5);
    expect(expectRateLimited(sixth)).toEqual({ backlog: 5, maxBacklog: 5 });
    expect(expectError(sixth, 429, 'RATE_LIMITED').message).toContain('limit of 5');
    expect(await storedCount(ingest.store)).toBe(5);
    expect(await tenantBacklog(ingest.store)).toBe(5);
  });

  it('accepts again by itself once the deliveries are finished', async () => {
    expect(await deliverAll(ingest.store)).toBe(5);
    expect(await tenantBacklog(ingest.store)).toBe(0);
    // The backlog reading is cached for a moment; no restart or other nudge is needed.
    await waitFor(async () => (await publish(ingest, 6)).status === 202, { timeoutMs: 5_000, what: 'a publish to be accepted again' });
    expect((await publishBatch(ingest, 4)).status).toBe(202);
    expectRateLimited(await publish(ingest, 7));
  });

  it('refuses a batch larger than the limit itself with 413, since no wait would let it in', async () => {
    const error = expectError(await publishBatch(ingest, 6), 413, 'PAYLOAD_TOO_LARGE');
    expect(error.message).toContain('smaller batches');
    expect(error.details).toEqual({ maxBacklog: 5 });
  });

  it('counts every refusal under RATE_LIMITED', async () => {
    // Filled up to the limit, so what follows is refused.
    while ((await publish(ingest, 0)).status === 202);
    const before = await rateLimitedCount(ingest);
    expectRateLimited(await publish(ingest, 8));
    expectRateLimited(await publish(ingest, 9));
    expectRateLimited(await publishBatch(ingest, 2));
    expect(await rateLimitedCount(ingest)).toBe(before + 3);
  });
});

describe('FERRY_MAX_BACKLOG under a burst', () => {
  const ingest = useIngest({ FERRY_MAX_BACKLOG: '5' });
  const BURST = 30;

  async function acceptedOfBurst(): Promise<number> {
    const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => publish(ingest, i)));
    for (const answer of answers) if (answer.status !== 202) expectRateLimited(answer);
    return answers.filter((answer) => answer.status === 202).length;
  }

  it('accepts no more than the limit from publishes that arrive together on a fresh ingest', async () => {
    expect(await acceptedOfBurst()).toBe(5);
    expect(await storedCount(ingest.store)).toBe(5);
  });

  it('holds the limit again for a burst after the cached count has gone stale', async () => {
    expect(await deliverAll(ingest.store)).toBe(5);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await acceptedOfBurst()).toBe(5);
    expect(await tenantBacklog(ingest.store)).toBe(5);
  });
});

describe('FERRY_MAX_REDIS_MEMORY', () => {
  const MAX_MEMORY = 64 * 1_048_576;
  // An empty Redis uses about a megabyte, well past 0.1% of 64 MiB.
  const ingest = useIngest({ FERRY_MAX_REDIS_MEMORY: '0.001' }, { args: ['--maxmemory', String(MAX_MEMORY)] });

  it('answers 429 with the memory reading once Redis is that full, and writes nothing', async () => {
    const details = expectRateLimited(await publish(ingest, 0));
    expect(details).toEqual({ usedMemory: expect.any(Number), maxMemory: MAX_MEMORY });
    expect((details as { usedMemory: number }).usedMemory).toBeGreaterThan(MAX_MEMORY * 0.001);
    expectRateLimited(await publishBatch(ingest, 2));
    expect(await storedCount(ingest.store)).toBe(0);
  });

  it('leaves the other routes alone', async () => {
    expect((await call(ingest.base, 'PUT', `/v1/destinations/${encodeURIComponent('https://shop0.example.test')}`, {})).status).toBe(200);
    expect((await call(ingest.base, 'GET', '/v1/destinations')).status).toBe(200);
  });

  it('ignores the share while Redis has no maxmemory', async () => {
    await ingest.redis.config('SET', 'maxmemory', '0');
    await waitFor(async () => (await publish(ingest, 1)).status === 202, { timeoutMs: 5_000, what: 'a publish to be accepted' });
  });

  it('answers 429 as well when Redis itself refuses the write for lack of memory', async () => {
    const before = await storedCount(ingest.store);
    // The cached reading still says "no maxmemory", so the enqueue reaches Redis and meets its OOM.
    await ingest.redis.config('SET', 'maxmemory', '1');
    expect(expectError(await publish(ingest, 2), 429, 'RATE_LIMITED').message).toContain('store is full');
    expect(await storedCount(ingest.store)).toBe(before);
    await ingest.redis.config('SET', 'maxmemory', '0');
  });
});
