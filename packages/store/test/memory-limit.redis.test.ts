import { promoteDue, updateDestination } from '../src';
import { claim, failed, message, outcome, useStore } from './fixtures';

/**
 * At Redis's memory limit (noeviction) new messages are refused, but what frees memory must go
 * on: an outcome refused there would leave its delivery to be sent again at every lease expiry.
 */
describe('at the memory limit', () => {
  const ctx = useStore();

  it('refuses new messages but records every outcome of what is in flight', async () => {
    const { store, redis } = ctx;
    const ids = (await store.enqueueMany(Array.from({ length: 5 }, () => message()))).map((r) => (r.status === 'fulfilled' ? r.value.id : ''));
    const [toAck, toRetry, toDefer, toRelease, toHoldBack] = await claim(store, 5);
    await redis.config('SET', 'maxmemory', '1');
    try {
      await expect(store.enqueue(message())).rejects.toThrow(/OOM/);
      // A request still running keeps its lease.
      expect(await store.extend(toAck!, 60_000)).toBeGreaterThan(Date.now() + 50_000);
      expect(await store.startCheck(toAck!, 60_000)).toBe('send');
      await store.ack(toAck!, outcome());
      expect(await store.retry(toRetry!, outcome(500), failed(60_000))).toBe('retrying');
      expect(await store.defer(toDefer!, outcome(429), { waitMs: 60_000, summary: 'HTTP 429' })).toBe(true);
      await store.release(toRelease!, { ...outcome(), error: 'handed back at shutdown' });
      // The destination now waits out the deferral's Retry-After: one leased before goes back unsent.
      expect(await store.startCheck(toHoldBack!, 60_000)).toBe('held');
      // What an operator asks then: the status of a message.
      expect((await store.get(ids[0]!))?.record.state).toBe('delivered');
    } finally {
      await redis.config('SET', 'maxmemory', '0');
    }
    const states = await Promise.all(ids.map(async (id) => (await store.get(id))?.record.state));
    expect(states).toEqual(['delivered', 'retrying', 'ready', 'ready', 'ready']);
    expect(await redis.zcard(store.keys.leases(0))).toBe(0);
  });

  it('pauses a destination, so an operator can hold its traffic back', async () => {
    const { store, redis } = ctx;
    await store.enqueue(message());
    await redis.config('SET', 'maxmemory', '1');
    try {
      await updateDestination(store, 'https://a.example', { paused: true });
    } finally {
      await redis.config('SET', 'maxmemory', '0');
    }
    expect(await claim(store)).toEqual([]);
  });

  it('promotes what falls due, so that delayed and retrying messages can be delivered and free memory', async () => {
    const { store, redis } = ctx;
    const { id } = await store.enqueue(message({ delayMs: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await redis.config('SET', 'maxmemory', '1');
    try {
      expect((await promoteDue(store, 0, 10)).promoted).toBe(1);
    } finally {
      await redis.config('SET', 'maxmemory', '0');
    }
    expect((await store.get(id))?.record.state).toBe('ready');
  });
});
