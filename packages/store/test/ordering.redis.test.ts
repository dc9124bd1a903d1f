import { promoteDue, reapExpired } from '../src';
import { waitFor } from '../../../test/support/wait';
import { claim, failed, message, outcome, useStore } from './fixtures';

describe('ordering keys', () => {
  const ctx = useStore({ maxFreeAttempts: 0 });
  const ordered = (orderingKey: string, extra = {}) => ctx.store.enqueue(message({ orderingKey, ...extra }));
  const state = async (id: string) => (await ctx.store.get(id))?.record.state;

  it('starts one delivery per key at a time, in acceptance order', async () => {
    const { store } = ctx;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await ordered('user-1')).id);
    const other = await ordered('user-2');
    expect(await Promise.all(ids.map(state))).toEqual(['ready', 'waiting', 'waiting']);

    const first = await claim(store);
    expect(first.map((d) => d.id).sort()).toEqual([ids[0], other.id].sort());
    for (const expected of ids.slice(1)) {
      await store.ack(first.find((d) => d.orderingKey === 'user-1')!, outcome());
      first.splice(0, first.length, ...(await claim(store)));
      expect(first.map((d) => d.id)).toEqual([expected]);
    }
  });

  it('keeps the rest waiting while the head retries, and moves on after a dead letter', async () => {
    const { store } = ctx;
    const head = await ordered('k', { maxAttempts: 2 });
    const next = await ordered('k');
    const [attempt1] = await claim(store);
    await store.retry(attempt1!, outcome(500), failed(1));
    expect(await state(next.id)).toBe('waiting');
    await waitFor(async () => (await promoteDue(store, 0, 10)).promoted === 1);
    const [attempt2] = await claim(store);
    expect(attempt2?.id).toBe(head.id);
    expect(await store.retry(attempt2!, outcome(500), failed(1))).toBe('failed');
    expect(await state(next.id)).toBe('ready');
    expect((await claim(store)).map((d) => d.id)).toEqual([next.id]);
  });

  it('keeps the order through a lost lease', async () => {
    const { store } = ctx;
    const head = await ordered('k', { maxAttempts: 1 });
    const next = await ordered('k');
    await claim(store, 10, 20);
    await waitFor(async () => (await reapExpired(store, 0, 10)).deadLettered === 1, { what: 'reap' });
    // maxFreeAttempts 0: the lost lease spends the head's one attempt, so it is dead-lettered,
    // and the next one starts.
    expect(await state(head.id)).toBe('failed');
    expect((await claim(store)).map((d) => d.id)).toEqual([next.id]);
  });

  it('lets the sequence go on past a cancelled delivery', async () => {
    const { store, redis } = ctx;
    const a = await ordered('k');
    const b = await ordered('k');
    const c = await ordered('k');
    await store.cancel(b.id);
    await store.cancel(a.id);
    expect(await state(c.id)).toBe('ready');
    expect((await claim(store)).map((d) => d.id)).toEqual([c.id]);
    expect(await redis.lrange(store.keys.order(0, 'https://a.example', 'default', 'k'), 0, -1)).toEqual([c.id]);
  });

  it('says when a delivery waiting behind its key may start at the earliest: its own delay', async () => {
    const { store } = ctx;
    await ordered('k');
    const next = await ordered('k', { delayMs: 60_000 });
    const view = await store.get(next.id);
    expect(view?.record.state).toBe('waiting');
    expect(view?.nextAttemptAt).toBeGreaterThan(Date.now() + 50_000);
  });

  it('waits for the head\'s own delay', async () => {
    const { store } = ctx;
    const head = await ordered('k', { delayMs: 150 });
    const next = await ordered('k');
    expect([await state(head.id), await state(next.id)]).toEqual(['scheduled', 'waiting']);
    expect(await claim(store)).toEqual([]);
    await waitFor(async () => (await promoteDue(store, 0, 10)).promoted === 1);
    expect((await claim(store)).map((d) => d.id)).toEqual([head.id]);
  });
});
