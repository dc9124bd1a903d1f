import { getDestination, listDestinations, promoteDue, pruneDestinations, shardDepth, updateDestination } from '../src';
import { waitFor } from '../../../test/support/wait';
import { failed, message, outcome, useStore } from './fixtures';

const A = 'https://a.example';
const B = 'https://b.example';

describe('destination limits', () => {
  const ctx = useStore({ maxFreeAttempts: 2 });
  const publish = async (origin: string, count: number) => {
    for (let i = 0; i < count; i++) await ctx.store.enqueue(message({ url: `${origin}/x` }));
  };
  const claimFrom = (limit: number, defaultConcurrency = 1_000) =>
    ctx.store.claim(0, { limit, leaseMs: 30_000, defaultConcurrency });

  it('holds a destination to its concurrency cap, across claims, and lets the others through', async () => {
    const { store } = ctx;
    await updateDestination(store, A, { concurrency: 2 });
    await publish(A, 10);
    await publish(B, 3);
    const first = (await claimFrom(20)).deliveries;
    expect(first.filter((d) => d.dest === A)).toHaveLength(2);
    expect(first.filter((d) => d.dest === B)).toHaveLength(3);
    expect((await claimFrom(20)).deliveries).toEqual([]);

    await store.ack(first.find((d) => d.dest === A)!, outcome());
    const next = (await claimFrom(20)).deliveries;
    expect(next.map((d) => d.dest)).toEqual([A]);
    expect((await getDestination(store, A))?.inFlight).toBe(2);
  });

  it('counts the ready work of a destination at its cap in the queue depth', async () => {
    const { store } = ctx;
    await updateDestination(store, A, { concurrency: 1 });
    await publish(A, 5);
    expect((await claimFrom(10)).deliveries).toHaveLength(1);
    // At its cap, A has left the rotation without being parked.
    expect(await store.redis.zscore(store.keys.dests(0), A)).toBeNull();
    expect(await shardDepth(store, 0)).toMatchObject({ ready: 4, inFlight: 1 });
  });

  it('applies the default cap to a destination without one', async () => {
    await publish(A, 5);
    expect((await claimFrom(10, 3)).deliveries).toHaveLength(3);
  });

  it('spaces starts to the rate, allowing the burst, and says when to look again', async () => {
    const { store } = ctx;
    await updateDestination(store, A, { rate: 10, burst: 2 });
    await publish(A, 10);
    const first = await claimFrom(10);
    expect(first.deliveries).toHaveLength(2);
    // The next slot is 100 ms after the burst's, less what the claim itself took.
    expect(first.nextParkedInMs).toBeGreaterThan(0);
    expect(first.nextParkedInMs).toBeLessThanOrEqual(100);
    expect((await claimFrom(10)).deliveries).toHaveLength(0);
    await waitFor(async () => (await claimFrom(10)).deliveries.length === 1, { what: 'the next slot' });
  });

  it('keeps the rate going when the same settings are put again, and starts afresh on a new rate', async () => {
    const { store } = ctx;
    await updateDestination(store, A, { rate: 1, burst: 1 });
    await publish(A, 5);
    expect((await claimFrom(10)).deliveries).toHaveLength(1);
    // A client putting its settings again (an idempotent PUT) must not open the next slot early.
    await updateDestination(store, A, { rate: 1, burst: 1 });
    await updateDestination(store, A, { rate: 1 });
    // The default burst, named or reset, is the same burst.
    await updateDestination(store, A, { burst: null });
    await updateDestination(store, A, { burst: 1 });
    expect((await claimFrom(10)).deliveries).toHaveLength(0);
    await updateDestination(store, A, { rate: 2 });
    expect((await claimFrom(10)).deliveries).toHaveLength(1);
  });

  it('gives each delivery its destination\'s rate, for the dispatcher to space its start by', async () => {
    const { store } = ctx;
    await updateDestination(store, A, { rate: 10, burst: 2 });
    await publish(A, 2);
    await publish(B, 1);
    const { deliveries } = await claimFrom(10);
    expect(deliveries.filter((d) => d.dest === A).map((d) => d.pace)).toEqual([
      { intervalMs: 100, toleranceMs: 100 },
      { intervalMs: 100, toleranceMs: 100 },
    ]);
    expect(deliveries.find((d) => d.dest === B)?.pace).toBeUndefined();
  });

  it('pauses and resumes a destination', async () => {
    const { store } = ctx;
    await publish(A, 2);
    const paused = await updateDestination(store, A, { paused: true });
    expect(paused).toMatchObject({ settings: { paused: true }, backlog: 2 });
    expect((await claimFrom(10)).deliveries).toEqual([]);
    await publish(A, 1);
    expect((await claimFrom(10)).deliveries).toEqual([]);
    await updateDestination(store, A, { paused: false });
    expect((await claimFrom(10)).deliveries).toHaveLength(3);
  });

  it('wakes no dispatcher for work to a paused destination, and one for a parked destination', async () => {
    const { store, redis } = ctx;
    const wakeTokens = () => redis.lrange(store.keys.wake(0), 0, -1);
    await updateDestination(store, A, { paused: true });
    await redis.del(store.keys.wake(0));
    await publish(A, 2);
    expect(await wakeTokens()).toEqual([]);
    // Parked by its rate: the claim a wake-up brings tells a dispatcher when it may send.
    await updateDestination(store, B, { rate: 1 / 3600 });
    await publish(B, 2);
    expect((await claimFrom(10)).deliveries.map((d) => d.dest)).toEqual([B]);
    expect(await redis.zscore(store.keys.parked(0), B)).not.toBeNull();
    await redis.del(store.keys.wake(0));
    await publish(B, 1);
    expect(await wakeTokens()).toEqual([B]);
  });

  it('sends again when a Retry-After ends, once the slow rate it was also parked by is lifted', async () => {
    const { store, redis } = ctx;
    await updateDestination(store, A, { rate: 1 / 3600, burst: 1 });
    await publish(A, 3);
    const [held] = (await claimFrom(10)).deliveries;
    // The rate parks A for an hour; the receiver also asks for 300 ms.
    expect((await claimFrom(10)).deliveries).toEqual([]);
    expect(await store.defer(held!, outcome(429), { waitMs: 300, summary: 'HTTP 429 (Retry-After 0.3 s)' })).toBe(true);
    await updateDestination(store, A, { rate: null, burst: null });

    const parkedUntil = Number(await redis.zscore(store.keys.parked(0), A));
    expect(parkedUntil).toBeLessThan(Date.now() + 1_000);
    // A claim that names A (as a dispatcher's cached candidates would) takes it once the 300 ms
    // have passed, not an hour later.
    const resumed = await waitFor(
      async () => {
        const batch = (await store.claim(0, { limit: 10, leaseMs: 30_000, defaultConcurrency: 1_000, hint: A })).deliveries;
        return batch.length > 0 ? batch : undefined;
      },
      { what: 'the destination to send again', timeoutMs: 5_000 },
    );
    expect(resumed.map((d) => d.dest)).toContain(A);
  });

  it('parks a destination that asked to wait, without spending the retry, then sends again', async () => {
    const { store } = ctx;
    const { id } = await store.enqueue(message({ url: `${A}/x`, maxAttempts: 1 }));
    await publish(A, 1);
    await publish(B, 1);
    const [held] = (await claimFrom(1)).deliveries;
    expect(held?.id).toBe(id);
    const deferred = Date.now();
    expect(await store.defer(held!, outcome(429), { waitMs: 300, summary: 'HTTP 429 (Retry-After 0.3 s)' })).toBe(true);

    const view = await getDestination(store, A);
    expect(view?.pausedUntil).toBeGreaterThan(Date.now());
    expect(view?.lastError?.message).toBe('HTTP 429 (Retry-After 0.3 s)');
    // Meanwhile only the other destination is served.
    expect((await claimFrom(10)).deliveries.map((d) => d.dest)).toEqual([B]);
    const resumed = await waitFor(async () => {
      const batch = (await claimFrom(10)).deliveries;
      return batch.length > 0 ? batch : undefined;
    }, { what: 'the destination to send again' });
    expect(Date.now() - deferred).toBeGreaterThanOrEqual(300);
    expect(resumed[0]).toMatchObject({ id, attempt: 2 });
    // maxAttempts 1, and still one real attempt left: the wait spent nothing.
    expect(await store.retry(resumed[0]!, outcome(500), failed())).toBe('failed');
    expect((await store.get(id))?.attempts.map((a) => a.statusCode)).toEqual([429, 500]);
  });

  it('tells a claimed delivery how many of its attempts spent no retry', async () => {
    const { store } = ctx;
    const { id } = await store.enqueue(message({ url: `${A}/x` }));
    const next = () =>
      waitFor(async () => (await claimFrom(1)).deliveries[0], { what: 'the destination to send again' });
    const first = await next();
    expect(first).toMatchObject({ id, attempt: 1, free: 0 });
    expect(await store.defer(first, outcome(429), { waitMs: 1, summary: 'HTTP 429' })).toBe(true);
    // The dispatcher backs off by attempt - free: the wait it was asked for is no failure.
    expect(await next()).toMatchObject({ id, attempt: 2, free: 1 });
  });

  it('stops deferring once the free attempts are spent', async () => {
    const { store } = ctx;
    const { id } = await store.enqueue(message({ url: `${A}/x` }));
    for (let round = 0; round < 2; round++) {
      const [held] = await waitFor(async () => {
        const batch = (await claimFrom(1)).deliveries;
        return batch.length ? batch : undefined;
      });
      expect(await store.defer(held!, outcome(429), { waitMs: 1, summary: 'HTTP 429' })).toBe(true);
    }
    const [held] = await waitFor(async () => {
      const batch = (await claimFrom(1)).deliveries;
      return batch.length ? batch : undefined;
    });
    expect(await store.defer(held!, outcome(429), { waitMs: 1, summary: 'HTTP 429' })).toBe(false);
    expect((await store.get(id))?.record.state).toBe('in_flight');
  });

  it('parks the destination for a wait it asked for on a retry that replaces a declined deferral', async () => {
    const { store } = ctx;
    await store.enqueue(message({ url: `${A}/1` }));
    await store.enqueue(message({ url: `${A}/2` }));
    await publish(B, 1);
    const [held] = (await claimFrom(1)).deliveries;
    expect(held?.dest).toBe(A);
    expect(await store.retry(held!, outcome(429), { ...failed(1), destinationWaitMs: 60_000 })).toBe('retrying');

    expect((await getDestination(store, A))?.pausedUntil).toBeGreaterThan(Date.now() + 50_000);
    // Only the other destination is served, though the first has a message ready.
    expect((await claimFrom(10)).deliveries.map((d) => d.dest)).toEqual([B]);
  });

  it('lists destinations with their state, and forgets idle ones without settings', async () => {
    const { store } = ctx;
    await publish(A, 2);
    await updateDestination(store, B, { concurrency: 4, class: 'partners' });
    const list = await listDestinations(store, 10);
    expect(list.map((d) => d.destination).sort()).toEqual([A, B]);
    expect(list.find((d) => d.destination === A)).toMatchObject({ backlog: 2, inFlight: 0, settings: {} });
    expect(list.find((d) => d.destination === B)).toMatchObject({ settings: { concurrency: 4, class: 'partners' } });

    for (const d of (await claimFrom(10)).deliveries) await store.ack(d, outcome());
    expect((await pruneDestinations(store, 0, 0, 10)).forgotten).toBe(1);
    expect((await listDestinations(store, 10)).map((d) => d.destination)).toEqual([B]);
  });

  it('keeps listing a destination whose only work waited out a long delay', async () => {
    const { store } = ctx;
    await store.enqueue(message({ url: `${A}/x`, delayMs: 150 }));
    // Idle for longer than the retention by then, with nothing ready or in flight: forgotten.
    expect((await pruneDestinations(store, 0, 0, 10)).forgotten).toBe(1);
    await waitFor(async () => (await promoteDue(store, 0, 10)).promoted === 1, { what: 'promotion' });
    expect((await listDestinations(store, 10)).map((d) => d.destination)).toEqual([A]);
  });

  it("judges a destination's idleness by Redis's clock, not the caller's", async () => {
    const { store } = ctx;
    await publish(A, 1);
    for (const d of (await claimFrom(10)).deliveries) await store.ack(d, outcome());
    // A scheduler whose clock runs a day ahead picks A as idle for an hour; Redis says it is not.
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 86_400_000);
    try {
      expect((await pruneDestinations(store, 0, 3_600_000, 10)).forgotten).toBe(0);
    } finally {
      clock.mockRestore();
    }
    expect((await listDestinations(store, 10)).map((d) => d.destination)).toEqual([A]);
  });

  it('counts each tenant\'s unfinished deliveries', async () => {
    const { store, redis } = ctx;
    await store.enqueue(message({ tenant: 't1' }));
    await store.enqueue(message({ tenant: 't1' }));
    await store.enqueue(message({ tenant: 't2', delayMs: 60_000 }));
    expect(await redis.hgetall(store.keys.backlog(0))).toEqual({ t1: '2', t2: '1' });
    for (const d of (await claimFrom(10)).deliveries) await store.ack(d, outcome());
    expect(await redis.hgetall(store.keys.backlog(0))).toEqual({ t2: '1' });
  });
});
