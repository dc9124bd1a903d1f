import { expireFinished, getDestination, reapExpired, shardDepth, updateDestination } from '../src';
import { waitFor } from '../../../test/support/wait';
import { claim, claimOne, failed, message, outcome, useStore } from './fixtures';

describe('leases', () => {
  const ctx = useStore({ maxFreeAttempts: 2 });

  it('takes back an expired lease without spending a retry, and records the lost attempt', async () => {
    const { store } = ctx;
    const { id } = await store.enqueue(message({ maxAttempts: 1 }));
    const lost = await claimOne(store, 50);
    const claimedAt = Date.now();
    await waitFor(async () => (await reapExpired(store, 0, 100)).requeued === 1, { what: 'reap' });

    const view = await store.get(id);
    expect(view?.record).toMatchObject({ state: 'ready', free: 1 });
    expect(view?.attempts).toEqual([expect.objectContaining({ attempt: 1, error: expect.stringMatching(/lease expired/) })]);
    // On the trail from when the lease began, as long as it lasted, like any other attempt.
    const [trail] = view!.attempts;
    expect(Date.parse(trail!.at)).toBeLessThanOrEqual(claimedAt);
    expect(trail!.durationMs).toBeGreaterThanOrEqual(50);
    await expect(store.ack(lost, outcome())).rejects.toMatchObject({ message: expect.stringMatching(/no longer held/) });

    // The one real attempt allowed (maxAttempts 1) is still there.
    const again = await claimOne(store);
    expect(again.attempt).toBe(2);
    expect(await store.retry(again, outcome(500), failed(0, false))).toBe('failed');
  });

  it('spends retries on lost leases past the free attempts, then dead-letters a delivery that keeps losing its lease', async () => {
    const { store } = ctx;
    const { id } = await store.enqueue(message({ maxAttempts: 2 }));
    // Two free attempts (maxFreeAttempts 2), then the two attempts the message has.
    for (let lost = 0; lost < 3; lost++) {
      await claimOne(store, 20);
      await waitFor(async () => (await reapExpired(store, 0, 100)).requeued === 1, { what: 'requeue' });
    }
    expect((await store.get(id))?.record).toMatchObject({ state: 'ready', attempt: 3, free: 2 });
    await claimOne(store, 20);
    await waitFor(async () => (await reapExpired(store, 0, 100)).deadLettered === 1, { what: 'dead letter' });
    expect((await store.get(id))?.record).toMatchObject({ state: 'failed', attempt: 4, free: 2 });
    expect(await shardDepth(store, 0)).toEqual({ ready: 0, scheduled: 0, inFlight: 0, dead: 1 });
  });

  it('does not dead-letter on a lost lease a delivery whose free attempts went on Retry-After waits', async () => {
    const { store } = ctx;
    const { id } = await store.enqueue(message({ maxAttempts: 3 }));
    for (let waited = 0; waited < 2; waited++) {
      const leased = await waitFor(async () => (await claim(store))[0], { what: 'the delivery after its wait' });
      expect(await store.defer(leased, outcome(429), { waitMs: 1, summary: 'HTTP 429' })).toBe(true);
    }
    await waitFor(async () => (await claim(store, 1, 20)).length === 1, { what: 'a claim with a short lease' });
    await waitFor(async () => (await reapExpired(store, 0, 100)).requeued === 1, { what: 'requeue' });
    expect((await store.get(id))?.record).toMatchObject({ state: 'ready', attempt: 3, free: 2 });
  });

  it('takes back a lease whose claim still wrote the record (stored before inflight entries)', async () => {
    const { store, redis } = ctx;
    const { id } = await store.enqueue(message());
    await claimOne(store);
    // What such a claim left: the record rewritten as in flight under attempt 1, no inflight entry.
    const stored = (await redis.hget(store.keys.deliveries(0), id))!;
    const leasedAt = Date.now() - 5_000;
    const [line, ...rest] = stored.split('\n');
    const fields = line!.split('|');
    fields[0] = 'in_flight';
    fields[1] = '1';
    fields[5] = String(leasedAt);
    await redis.hset(store.keys.deliveries(0), id, [fields.join('|'), ...rest].join('\n'));
    await redis.hdel(store.keys.inflight(0), id);
    await redis.zadd(store.keys.leases(0), leasedAt + 1_000, id);

    expect(await reapExpired(store, 0, 100)).toEqual({ requeued: 1, deadLettered: 0, more: false });
    const view = await store.get(id);
    expect(view?.record).toMatchObject({ state: 'ready', attempt: 1, free: 1 });
    expect(view?.attempts).toEqual([expect.objectContaining({ attempt: 1, durationMs: expect.any(Number) })]);
    expect(view!.attempts[0]!.durationMs).toBeGreaterThanOrEqual(5_000);
    expect((await claimOne(store)).attempt).toBe(2);
  });

  it('keeps a lease its holder extends', async () => {
    const { store, redis } = ctx;
    await store.enqueue(message());
    const delivery = await claimOne(store, 100);
    const expiry = await store.extend(delivery, 60_000);
    expect(expiry).toBeGreaterThan(Date.now() + 50_000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await reapExpired(store, 0, 100)).toEqual({ requeued: 0, deadLettered: 0, more: false });
    expect(await redis.zscore(store.keys.leases(0), delivery.id)).toBe(String(expiry));
    await expect(store.extend({ ...delivery, attempt: 9 }, 1000)).rejects.toMatchObject({ code: -2 });
    await expect(store.extend({ ...delivery, id: `${delivery.id}x` }, 1000)).rejects.toMatchObject({ code: -1 });
  });

  describe('the check before a delivery that waited is sent', () => {
    it('renews the lease while the destination may still be sent to', async () => {
      const { store, redis } = ctx;
      await store.enqueue(message());
      const delivery = await claimOne(store, 100);
      expect(await store.startCheck(delivery, 60_000)).toBe('send');
      expect(Number(await redis.zscore(store.keys.leases(0), delivery.id))).toBeGreaterThan(Date.now() + 50_000);
      await expect(store.startCheck({ ...delivery, attempt: 9 }, 1000)).rejects.toMatchObject({ code: -2 });
      await expect(store.startCheck({ ...delivery, id: `${delivery.id}x` }, 1000)).rejects.toMatchObject({ code: -1 });
    });

    it('hands a delivery back unsent, spending nothing, once its destination was paused after the claim', async () => {
      const { store } = ctx;
      const first = await store.enqueue(message());
      await store.enqueue(message());
      const [held, next] = await claim(store, 2);
      expect(held!.id).toBe(first.id);
      await updateDestination(store, 'https://a.example', { paused: true });

      expect(await store.startCheck(held!, 30_000)).toBe('held');
      expect(await store.startCheck(next!, 30_000)).toBe('held');
      expect(await shardDepth(store, 0)).toEqual({ ready: 2, scheduled: 0, inFlight: 0, dead: 0 });
      expect((await getDestination(store, 'https://a.example'))?.inFlight).toBe(0);
      expect(await claim(store)).toEqual([]);

      await updateDestination(store, 'https://a.example', { paused: false });
      const again = await claim(store, 2);
      // Under the attempt numbers the first claim gave: nothing was sent. Each went to the front
      // of the list, as a release does (one ordering key never has two in flight to swap).
      expect(again.map(({ id, attempt }) => ({ id, attempt }))).toEqual([{ id: next!.id, attempt: 1 }, { id: first.id, attempt: 1 }]);
      const view = await store.get(first.id);
      expect(view?.record).toMatchObject({ state: 'in_flight', free: 0, attempt: 1 });
      expect(view?.attempts).toEqual([]);
    });

    it("hands a delivery back unsent while its destination waits out another delivery's Retry-After", async () => {
      const { store } = ctx;
      await store.enqueue(message());
      const waiting = await store.enqueue(message());
      const [answered429, held] = await claim(store, 2);
      expect(await store.defer(answered429!, outcome(429), { waitMs: 1_000, summary: 'HTTP 429' })).toBe(true);

      expect(await store.startCheck(held!, 30_000)).toBe('held');
      expect(await claim(store)).toEqual([]);
      const after = await waitFor(async () => (await claim(store, 2)).find(({ id }) => id === waiting.id), { what: 'the wait to end', timeoutMs: 5_000 });
      expect(after.attempt).toBe(1);
    });
  });

  it('puts a released delivery at the front of its destination, without spending a retry', async () => {
    const { store } = ctx;
    const first = await store.enqueue(message());
    await store.enqueue(message());
    const held = await claimOne(store);
    expect(held.id).toBe(first.id);
    await store.release(held);
    const again = await claimOne(store);
    expect(again).toMatchObject({ id: first.id, attempt: 2 });
    expect((await store.get(first.id))?.record.free).toBe(1);
  });

  it('forgets finished deliveries after the retention period, and only those', async () => {
    const { store, redis } = ctx;
    const done = await store.enqueue(message());
    await store.ack(await claimOne(store), outcome());
    const waiting = await store.enqueue(message({ delayMs: 60_000 }));
    expect(await expireFinished(store, 0, 60_000, 100)).toBe(0);
    await waitFor(async () => (await expireFinished(store, 0, 10, 100)) === 1, { what: 'expiry' });
    expect(await store.get(done.id)).toBeUndefined();
    expect(await redis.hexists(store.keys.deliveries(0), done.id)).toBe(0);
    expect(await redis.hexists(store.keys.attempts(0), done.id)).toBe(0);
    expect((await store.get(waiting.id))?.record.state).toBe('scheduled');
  });

  it('forgets a dead letter after the retention period, from the dead-letter set too', async () => {
    const { store, redis } = ctx;
    const dead = await store.enqueue(message({ maxAttempts: 1 }));
    expect(await store.retry(await claimOne(store), outcome(500), failed(0, true))).toBe('failed');
    expect(await redis.zscore(store.keys.dlq(0), dead.id)).not.toBeNull();
    expect(await expireFinished(store, 0, 60_000, 100)).toBe(0);
    await waitFor(async () => (await expireFinished(store, 0, 10, 100)) === 1, { what: 'expiry' });
    expect(await store.get(dead.id)).toBeUndefined();
    expect(await redis.zscore(store.keys.dlq(0), dead.id)).toBeNull();
    expect(await redis.hexists(store.keys.attempts(0), dead.id)).toBe(0);
  });
});

describe('the event stream', () => {
  const ctx = useStore({ eventsMaxLen: 100 });

  it('stays near its length bound however many messages pass', async () => {
    const { store, redis } = ctx;
    // 10 000 accepted events, one stream entry per 16 of a batch: 625 entries untrimmed.
    for (let batch = 0; batch < 20; batch++) {
      await store.enqueueMany(Array.from({ length: 500 }, () => message()));
    }
    // Trimming is approximate (whole stream nodes of up to 100 entries): near 100.
    const length = await redis.xlen(store.keys.events(0));
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(250);
  });
});
