import { eventTimes, promoteDue, RecentDestinations, type Store } from '../src';
import { scriptRuns } from '../../../test/support/script-runs';
import { waitFor } from '../../../test/support/wait';
import { claim, failed, message, outcome, useStore } from './fixtures';

const ORIGINS = ['https://a.example', 'https://b.example', 'https://c.example'];

/** Enqueues `count` deliveries due at `dueAt(i)`, spread over the origins; answers id → due time. */
async function enqueueDue(store: Store, count: number, dueAt: (i: number) => number): Promise<Map<string, number>> {
  const requests = Array.from({ length: count }, (_, i) => message({ url: `${ORIGINS[i % ORIGINS.length]}/hook`, notBefore: dueAt(i) }));
  const results = await store.enqueueMany(requests);
  const due = new Map<string, number>();
  results.forEach((result, i) => {
    if (result.status === 'rejected' || result.value.state !== 'scheduled') throw new Error(`delivery ${i} was not scheduled`);
    due.set(result.value.id, dueAt(i));
  });
  return due;
}

/** Promotes until nothing is due; answers how many were promoted. */
async function promoteAll(store: Store, limit: number, recent = new RecentDestinations()): Promise<number> {
  let total = 0;
  for (;;) {
    const { promoted, nextDueAt, now } = await promoteDue(store, 0, limit, recent);
    total += promoted;
    if (promoted === 0 && (nextDueAt === undefined || nextDueAt > now)) return total;
  }
}

async function readyLists(store: Store): Promise<string[][]> {
  return Promise.all(ORIGINS.map((origin) => store.redis.lrange(store.keys.ready(0, origin), 0, -1)));
}

/** Rewrites a stored record's due time: to Redis, as if its clock had stepped back behind it. */
async function setDueAt(store: Store, id: string, dueAt: number): Promise<void> {
  const key = store.keys.deliveries(0);
  const field = (await store.redis.hget(key, id))!;
  const newline = field.indexOf('\n');
  const line = field.slice(0, newline).split('|');
  line[6] = String(dueAt);
  await store.redis.hset(key, id, line.join('|') + field.slice(newline));
}

describe('promotion of due deliveries', () => {
  const ctx = useStore({ eventsMaxLen: 100_000 });

  it('moves a batch larger than one call, each delivery once, in due order per destination', async () => {
    const { store } = ctx;
    // Far enough ahead that all of them are still scheduled when the last one is enqueued.
    const start = Date.now() + 1_000;
    const due = await enqueueDue(store, 1_200, (i) => start + Math.floor(i / 100));
    await waitFor(() => Date.now() > start + 20, { what: 'the due times to pass' });

    expect(await promoteAll(store, 500)).toBe(1_200);
    const lists = await readyLists(store);
    expect(lists.flat().sort()).toEqual([...due.keys()].sort());
    for (const list of lists) {
      const dueTimes = list.map((id) => due.get(id)!);
      expect(dueTimes).toEqual([...dueTimes].sort((a, b) => a - b));
    }
    expect(await store.redis.zcard(store.keys.due(0))).toBe(0);
  });

  it('moves the earliest due first when a burst goes to more destinations than it remembers', async () => {
    const { store } = ctx;
    // Far enough ahead that every one is still scheduled when it is stored, however slow the machine.
    const start = Date.now() + 500;
    const enqueued = await store.enqueueMany(
      Array.from({ length: 200 }, (_, i) => message({ url: `https://d${i}.example/hook`, notBefore: start + i })),
    );
    const ids = enqueued.map((r) => (r.status === 'fulfilled' ? r.value.id : ''));
    expect(await store.redis.zcard(store.keys.due(0))).toBe(200);
    await waitFor(async () => (await store.redis.zcount(store.keys.due(0), '-inf', Date.now() - 250)) === 200, { what: 'all due' });

    const recent = new RecentDestinations(32);
    await promoteDue(store, 0, 500, recent);
    const states = await Promise.all(ids.map(async (id) => (await store.get(id))?.record.state));
    // The 32 earliest due are ready; none of the later ones went before them.
    expect(states.slice(0, 32)).toEqual(Array(32).fill('ready'));
    expect(states.slice(32)).toEqual(Array(168).fill('scheduled'));
  });

  it('never promotes a delivery before its due time', async () => {
    const { store } = ctx;
    const start = Date.now() + 1_000;
    const due = await enqueueDue(store, 300, (i) => start + Math.floor(i / 3));
    // Promote as eagerly as possible while the due times pass, as a busy scheduler would.
    await waitFor(async () => {
      await promoteDue(store, 0, 50);
      return (await eventTimes(store, 'ready')).size === due.size;
    }, { intervalMs: 1, what: 'every delivery to be promoted' });

    const times = await eventTimes(store, 'ready');
    const early = [...due].filter(([id, dueAt]) => times.get(id)! < dueAt);
    expect(early).toEqual([]);
  });

  it('lets several schedulers promote one shard at once, each delivery moving once', async () => {
    const { store } = ctx;
    // Far enough ahead that all of them are still scheduled when the last one is enqueued.
    const start = Date.now() + 1_000;
    const due = await enqueueDue(store, 1_000, () => start);
    await waitFor(() => Date.now() > start, { what: 'the due time to pass' });

    const [first, second] = await Promise.all([promoteAll(store, 100), promoteAll(store, 100)]);
    expect(first + second).toBe(due.size);
    const promoted = (await readyLists(store)).flat();
    expect(promoted.length).toBe(due.size);
    expect(new Set(promoted)).toEqual(new Set(due.keys()));
  });

  it('needs one call per batch once it knows the destinations', async () => {
    const { store, redis } = ctx;
    const recent = new RecentDestinations();
    const soon = Date.now() + 300;
    const later = soon + 200;
    await enqueueDue(store, 30, (i) => (i < 15 ? soon : later));
    await waitFor(() => Date.now() > soon, { what: 'the first due time to pass' });
    await redis.config('RESETSTAT');
    expect((await promoteDue(store, 0, 100, recent)).promoted).toBe(15);
    // New destinations: the first call learns them, the second moves their deliveries.
    expect(await scriptRuns(redis)).toBe(2);

    await waitFor(() => Date.now() > later, { what: 'the second due time to pass' });
    expect((await promoteDue(store, 0, 100, recent)).promoted).toBe(15);
    expect(await scriptRuns(redis)).toBe(3);
  });

  it('leaves each record as stored; the delivery reads as ready and is claimed', async () => {
    const { store, redis } = ctx;
    const start = Date.now() + 300;
    const ids = [...(await enqueueDue(store, 3, () => start)).keys()];
    const stored = await redis.hmget(store.keys.deliveries(0), ...ids);
    await waitFor(() => Date.now() > start, { what: 'the due time to pass' });

    expect(await promoteAll(store, 100)).toBe(3);
    // No kilobyte rewritten per delivery (decision 0008).
    expect(await redis.hmget(store.keys.deliveries(0), ...ids)).toEqual(stored);
    for (const id of ids) {
      const view = await store.get(id);
      expect(view?.record).toMatchObject({ state: 'ready', dueAt: 0, updatedAt: start, attempt: 0 });
      expect(view?.nextAttemptAt).toBeUndefined();
    }
    const claimed = await claim(store);
    expect(claimed.map((delivery) => delivery.id).sort()).toEqual([...ids].sort());
    expect(claimed.map((delivery) => delivery.attempt)).toEqual([1, 1, 1]);
  });

  it('promotes a retry the same way, and the next claim is its second attempt', async () => {
    const { store } = ctx;
    await store.enqueueMany([message()]);
    const [first] = await claim(store);
    expect(await store.retry(first!, outcome(500), failed(100))).toBe('retrying');
    const waiting = await store.get(first!.id);
    expect(waiting?.record.state).toBe('retrying');
    // The record carries the retry's due time, which the claim checks once it is promoted.
    expect(waiting?.record.dueAt).toBe(waiting?.nextAttemptAt);
    await waitFor(async () => (await promoteAll(store, 10)) === 1, { what: 'the retry to be promoted' });

    expect((await store.get(first!.id))?.record).toMatchObject({ state: 'ready', attempt: 1 });
    const [second] = await claim(store);
    expect(second).toMatchObject({ id: first!.id, attempt: 2 });
  });

  it('never claims a delivery before its due time, even one whose id is in a ready list', async () => {
    const { store, redis } = ctx;
    const [id] = [...(await enqueueDue(store, 1, () => Date.now() + 60_000)).keys()];
    // A stray entry, as no writer makes one: the claim reads the due time and drops it.
    await redis.rpush(store.keys.ready(0, ORIGINS[0]!), id!);
    await redis.zadd(store.keys.dests(0), 0, ORIGINS[0]!);
    expect(await claim(store)).toEqual([]);
    expect((await store.get(id!))?.record.state).toBe('scheduled');
  });

  it('claims a promoted delivery after the Redis clock steps back behind its due time', async () => {
    const { store } = ctx;
    const start = Date.now() + 200;
    const first = await store.enqueue(message({ orderingKey: 'k', notBefore: start }));
    const next = await store.enqueue(message({ orderingKey: 'k', notBefore: start }));
    expect([first.state, next.state]).toEqual(['scheduled', 'waiting']);
    await waitFor(() => Date.now() > start, { what: 'the due time to pass' });
    expect(await promoteAll(store, 10)).toBe(1);

    // An NTP step or a failover to a replica a little behind: by Redis's clock the promoted record
    // is not due yet. Out of the due set, it is ready all the same, and the ordering key goes on.
    await setDueAt(store, first.id, Date.now() + 3_600_000);
    const claimed = await claim(store);
    expect(claimed).toMatchObject([{ id: first.id, attempt: 1 }]);
    await store.ack(claimed[0]!, outcome());
    expect((await claim(store)).map((delivery) => delivery.id)).toEqual([next.id]);
  });

  it('drops a stale ready entry of a delivery that waits in the due set for its retry', async () => {
    const { store, redis } = ctx;
    await store.enqueueMany([message()]);
    const [first] = await claim(store);
    expect(await store.retry(first!, outcome(500), failed(60_000))).toBe('retrying');
    // A stray copy of its id, as no writer makes one: the retry is not promoted yet.
    await redis.rpush(store.keys.ready(0, ORIGINS[0]!), first!.id);
    await redis.zadd(store.keys.dests(0), 0, ORIGINS[0]!);

    expect(await claim(store)).toEqual([]);
    expect(await redis.zscore(store.keys.due(0), first!.id)).not.toBeNull();
    expect((await store.get(first!.id))?.record).toMatchObject({ state: 'retrying', attempt: 1 });
  });

  it('cancels a promoted delivery, which no claim then takes', async () => {
    const { store } = ctx;
    const start = Date.now() + 200;
    const [id, other] = [...(await enqueueDue(store, 2, () => start)).keys()];
    await waitFor(() => Date.now() > start, { what: 'the due time to pass' });
    expect(await promoteAll(store, 10)).toBe(2);

    await store.cancel(id!);
    expect((await store.get(id!))?.record.state).toBe('cancelled');
    expect((await claim(store)).map((delivery) => delivery.id)).toEqual([other]);
  });

  it('drops due ids whose delivery is gone without promoting anything', async () => {
    const { store, redis } = ctx;
    await redis.zadd(store.keys.due(0), Date.now() - 1_000, 'no-such-delivery');
    const result = await promoteDue(store, 0, 100);
    expect(result.promoted).toBe(0);
    expect(result.nextDueAt).toBeUndefined();
    expect(await redis.zcard(store.keys.due(0))).toBe(0);
  });
});
