import { promoteDue, reapExpired, recountReady, shardDepth, updateDestination, type Store } from '../src';
import { waitFor } from '../../../test/support/wait';
import { claim, claimOne, failed, message, outcome, useStore } from './fixtures';

const A = 'https://a.example';
const B = 'https://b.example';

/** Every ready list of shard 0, summed entry by entry: what the ready count must always equal. */
async function readyListsTotal(store: Store): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await store.redis.scan(cursor, 'MATCH', `${store.keys.ready(0, '')}*`, 'COUNT', 1000);
    for (const key of keys) total += await store.redis.llen(key);
    cursor = next;
  } while (cursor !== '0');
  return total;
}

async function expectCountMatchesLists(store: Store, expected: number): Promise<void> {
  expect(await readyListsTotal(store)).toBe(expected);
  expect((await shardDepth(store, 0)).ready).toBe(expected);
}

describe('the ready count behind the queue depth', () => {
  const ctx = useStore({ maxFreeAttempts: 2 });

  it('follows every push onto a ready list and every pop from one', async () => {
    const { store } = ctx;
    const ordered = (n: number) => message({ url: `${A}/o`, orderingKey: 'k', body: `{"n":${n}}` });
    await store.enqueueMany([
      message({ url: `${A}/x` }), message({ url: `${A}/x` }), message({ url: `${B}/x` }),
      ordered(1), ordered(2), ordered(3),
      message({ url: `${B}/later`, delayMs: 50 }),
    ]);
    // Ready: two and the head of the ordering key on A, one on B; the rest wait or are scheduled.
    await expectCountMatchesLists(store, 4);

    const leased = await claim(store, 10);
    expect(leased).toHaveLength(4);
    await expectCountMatchesLists(store, 0);
    const head = leased.find((d) => d.orderingKey === 'k')!;
    const [a1, a2] = leased.filter((d) => d.dest === A && d !== head);
    const b1 = leased.find((d) => d.dest === B)!;

    // Settling the ordering key's head moves the next one onto the ready list.
    await store.ack(head, outcome());
    await expectCountMatchesLists(store, 1);
    // So does dead-lettering that one.
    const second = await claimOne(store);
    expect(await store.retry(second, outcome(500), failed(0, true))).toBe('failed');
    await expectCountMatchesLists(store, 1);

    // Cancelled, the third stays in its list until a claim drops it, and is counted until then.
    const [third] = await store.redis.lrange(store.keys.ready(0, A), 0, -1);
    await store.cancel(third!);
    await expectCountMatchesLists(store, 1);
    expect(await claim(store, 10)).toEqual([]);
    await expectCountMatchesLists(store, 0);

    // Back to the front of the list: deferred, released, then reaped.
    expect(await store.defer(a1!, outcome(429), { waitMs: 1, summary: 'HTTP 429' })).toBe(true);
    await store.release(a2!);
    await expectCountMatchesLists(store, 2);
    await waitFor(async () => (await claim(store, 10, 20)).length === 2, { what: 'both again, on short leases' });
    await expectCountMatchesLists(store, 0);
    let requeued = 0;
    await waitFor(async () => (requeued += (await reapExpired(store, 0, 100)).requeued) === 2, { what: 'the reap' });
    await expectCountMatchesLists(store, 2);

    // Promoted once its delay is over.
    await waitFor(async () => (await promoteDue(store, 0, 100)).promoted === 1, { what: 'the promotion' });
    await expectCountMatchesLists(store, 3);

    // Drained: the count is back at zero.
    const rest = await claim(store, 10);
    expect(rest).toHaveLength(3);
    for (const d of [...rest, b1]) await store.ack(d, outcome());
    await expectCountMatchesLists(store, 0);
  });

  it('follows the ordering hand-on when a cancel or a lost lease ends the head', async () => {
    const { store } = ctx;
    const ordered = (n: number) => message({ url: `${A}/o`, orderingKey: 'k', maxAttempts: 1, body: `{"n":${n}}` });
    const [first, second] = (await store.enqueueMany([ordered(1), ordered(2), ordered(3)])).map((r) =>
      r.status === 'fulfilled' ? r.value.id : '',
    );
    await expectCountMatchesLists(store, 1);

    // Cancelled while ready: it stays in its list until a claim drops it, and the next one joins it.
    await store.cancel(first!);
    await expectCountMatchesLists(store, 2);
    const leased = await claim(store, 10, 20);
    expect(leased.map((d) => d.id)).toEqual([second]);
    await expectCountMatchesLists(store, 0);

    // Its lease lost past its free attempts (2) and its one attempt, it is dead-lettered and the
    // third one becomes ready.
    let deadLettered = 0;
    for (let lost = 0; deadLettered === 0; lost++) {
      expect(lost).toBeLessThan(3);
      const reaped = await waitFor(async () => {
        const r = await reapExpired(store, 0, 100);
        return r.requeued + r.deadLettered > 0 ? r : undefined;
      }, { what: 'the lost lease taken back' });
      deadLettered = reaped.deadLettered;
      await expectCountMatchesLists(store, 1);
      if (deadLettered === 0) {
        expect(await claim(store, 10, 20)).toHaveLength(1);
        await expectCountMatchesLists(store, 0);
      }
    }
  });

  it('counts the ready work of paused destinations and ones at their cap, however many there are', async () => {
    const { store } = ctx;
    await updateDestination(store, A, { concurrency: 1 });
    await updateDestination(store, B, { paused: true });
    await store.enqueueMany([message({ url: `${A}/x` }), message({ url: `${A}/x` }), message({ url: `${B}/x` })]);
    // More destinations than any listing of the rotation or of recent activity would cover.
    const many = Array.from({ length: 2_100 }, (_, i) => message({ url: `https://d${i}.example/x` }));
    for (let i = 0; i < many.length; i += 500) await store.enqueueMany(many.slice(i, i + 500));

    await claimOne(store);
    expect(await shardDepth(store, 0)).toMatchObject({ ready: 2_102, inFlight: 1 });
    expect(await readyListsTotal(store)).toBe(2_102);
  });

  it('is made exact once, by counting the lists, for a keyspace from before the count', async () => {
    const { store, redis } = ctx;
    await store.enqueueMany([message({ url: `${A}/x` }), message({ url: `${A}/x` }), message({ url: `${B}/x` })]);
    // As an older version left it: ready lists, no count. Another shard's list must not count.
    await redis.del(store.keys.readyCount(0));
    await redis.rpush(store.keys.ready(1, A), 'x', 'y');
    expect((await shardDepth(store, 0)).ready).toBe(0);

    expect(await recountReady(store, 0)).toBe(3);
    expect((await shardDepth(store, 0)).ready).toBe(3);
    // Once made, the count is kept up by the scripts, and not made again.
    await claimOne(store);
    expect(await recountReady(store, 0)).toBeUndefined();
    await expectCountMatchesLists(store, 2);
  });
});
