import Redis from 'ioredis';
import { reapExpired, registerWaiter, unregisterWaiter, updateDestination, type Store, type Waiter, type WorkSignal } from '../src';
import { claim, message, outcome, useStore, withEnqueueRepliesLost } from './fixtures';

/**
 * Hand-off: a delivery that arrives while a dispatcher waits for work is leased to it on
 * arrival and handed over through the shard's handoff list, with no claim.
 */
describe('hand-off to a waiting dispatcher', () => {
  const ctx = useStore();
  const waiter: Waiter = { instance: 'd1', leaseMs: 30_000, defaultConcurrency: 10 };
  const dest = 'https://a.example';
  let blocking: Redis;

  beforeEach(() => {
    blocking = new Redis(ctx.server.url);
  });
  afterEach(() => {
    blocking.disconnect();
  });

  const waitFor = (store: Store): Promise<WorkSignal | undefined> => store.waitForWork(blocking, 5);
  const register = (store: Store, w: Waiter = waiter) => registerWaiter(store, w);
  const handoffLength = (store: Store) => ctx.redis.llen(store.keys.handoff(0));
  const stateOf = async (store: Store, id: string) => (await store.get(id))?.record.state;

  it('leases a delivery that arrives while a dispatcher waits and hands it over whole', async () => {
    const { store, redis } = ctx;
    await register(store);
    const signal = waitFor(store);
    const before = Date.now();
    const { id, state } = await store.enqueue(message({ headers: { 'x-a': '1' }, body: 'line1\nline2' }));
    expect(state).toBe('in_flight');

    const handed = await signal;
    expect(handed).toMatchObject({ kind: 'handoff', delivery: { id, shard: 0, attempt: 1, free: 0, dest, url: `${dest}/hook` } });
    if (handed?.kind !== 'handoff') throw new Error('not handed over');
    expect(handed.delivery.body).toEqual(Buffer.from('line1\nline2'));
    expect(handed.delivery.headers).toEqual({ 'x-a': '1' });
    const expiry = Number(await redis.zscore(store.keys.leases(0), id));
    expect(expiry).toBeGreaterThanOrEqual(before + waiter.leaseMs - 1_000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + waiter.leaseMs + 1_000);
    expect(await redis.hget(store.keys.dest(0, dest), 'inflight')).toBe('1');
    // One hand-off per registration: the next arrival is queued and wakes.
    expect(await redis.scard(store.keys.waiting(0))).toBe(0);
    expect(await redis.llen(store.keys.ready(0, dest))).toBe(0);

    await store.ack(handed.delivery, outcome());
    expect(await stateOf(store, id)).toBe('delivered');
    const events = await redis.xrange(store.keys.events(0), '-', '+');
    expect(events.map(([, fields]) => fields[1])).toEqual(['accepted', 'leased', 'delivered']);
  });

  it('queues as before when no dispatcher waits, or it stopped waiting', async () => {
    const { store } = ctx;
    expect((await store.enqueue(message())).state).toBe('ready');

    await register(store);
    await unregisterWaiter(store, waiter);
    expect((await store.enqueue(message())).state).toBe('ready');
    expect(await handoffLength(store)).toBe(0);
  });

  it('hands nothing over past deliveries already queued for the destination', async () => {
    const { store, redis } = ctx;
    const first = await store.enqueue(message());
    await register(store);
    const second = await store.enqueue(message());
    expect(second.state).toBe('ready');
    expect(await redis.scard(store.keys.waiting(0))).toBe(1);
    expect((await claim(store)).map((d) => d.id)).toEqual([first.id, second.id]);
  });

  it('hands over the first of a batch for a destination; the rest queue behind it', async () => {
    const { store } = ctx;
    await register(store);
    const results = await store.enqueueMany([message(), message(), message({ url: 'https://b.example/x' })]);
    const accepted = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    expect(accepted.map((a) => a?.state)).toEqual(['in_flight', 'ready', 'ready']);
    const signal = await waitFor(store);
    expect(signal).toMatchObject({ kind: 'handoff', delivery: { id: accepted[0]!.id } });
    expect((await claim(store)).map((d) => d.id)).toEqual([accepted[1]!.id, accepted[2]!.id]);
  });

  it('reports a hand-over as in flight when the reply to its enqueue is lost', async () => {
    const { store } = ctx;
    await register(store);
    const results = await withEnqueueRepliesLost(store, () => store.enqueueMany([message(), message()]));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.state : r.reason))).toEqual(['in_flight', 'ready']);
  });

  it('keeps to the destination limits: paused, at its concurrency cap, past its rate', async () => {
    const { store } = ctx;
    await updateDestination(store, dest, { paused: true });
    await register(store);
    expect((await store.enqueue(message())).state).toBe('ready');
    await ctx.redis.flushall();

    await updateDestination(store, dest, { concurrency: 1 });
    await register(store);
    expect((await store.enqueue(message())).state).toBe('in_flight');
    await register(store);
    expect((await store.enqueue(message({ url: `${dest}/2` }))).state).toBe('ready');
    await ctx.redis.flushall();

    await updateDestination(store, dest, { rate: 1, burst: 1 });
    await register(store);
    expect((await store.enqueue(message())).state).toBe('in_flight');
    await register(store);
    expect((await store.enqueue(message({ url: `${dest}/2` }))).state).toBe('ready');
  });

  it('sends a hand-over no waiting dispatcher took with the next claim, under a fresh lease', async () => {
    const { store, redis } = ctx;
    await register(store);
    const handed = await store.enqueue(message());
    const queued = await store.enqueue(message());
    expect(await handoffLength(store)).toBe(1);
    // Dropped if no dispatcher comes for it: its lease then expires as any other.
    expect(await redis.pttl(store.keys.handoff(0))).toBeGreaterThan(0);

    const before = Date.now();
    const claimed = await claim(store, 10, 60_000);
    expect(claimed.map((d) => [d.id, d.attempt, d.free])).toEqual([
      [handed.id, 1, 0],
      [queued.id, 1, 0],
    ]);
    expect(claimed[0]!.body).toEqual(Buffer.from('{"n":1}'));
    // Its destination comes from the hand-off entry; the ack frees that destination's slot.
    expect(claimed[0]!.dest).toBe(claimed[1]!.dest);
    expect(claimed[0]!.dest).toBe(new URL(dest).origin);
    expect(Number(await redis.zscore(store.keys.leases(0), handed.id))).toBeGreaterThanOrEqual(before + 59_000);
    expect(await handoffLength(store)).toBe(0);
  });

  it('drops a hand-over whose lease ran out before anyone took it; the delivery is claimed again', async () => {
    const { store } = ctx;
    await register(store, { ...waiter, leaseMs: 1 });
    const { id } = await store.enqueue(message());
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await reapExpired(store, 0, 10)).requeued).toBe(1);
    expect(await stateOf(store, id)).toBe('ready');

    const claimed = await claim(store);
    // The lost lease spent no retry.
    expect(claimed.map((d) => [d.id, d.attempt, d.free])).toEqual([[id, 2, 1]]);
    expect(await handoffLength(store)).toBe(0);
  });
});
