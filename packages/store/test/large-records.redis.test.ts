import { promoteDue, reapExpired } from '../src';
import { claim, message, useStore } from './fixtures';

/**
 * Housekeeping reads whole records, bodies included, and Lua hashes every byte it is handed: a
 * call stops after about 4 MiB and leaves the rest to the next, so that large bodies cannot hold
 * Redis (and every ingest and dispatcher behind it) for long.
 */
describe('housekeeping over large records', () => {
  const ctx = useStore();
  const MIB = 'x'.repeat(1_048_576);

  it('promotes in calls of a few MiB, saying that more is due', async () => {
    const { store } = ctx;
    await store.enqueueMany(Array.from({ length: 8 }, () => message({ body: MIB, delayMs: 1 })));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const first = await promoteDue(store, 0, 100);
    expect(first.promoted).toBeGreaterThan(0);
    expect(first.promoted).toBeLessThan(8);
    expect(first.nextDueAt).toBeLessThanOrEqual(first.now);
    let promoted = first.promoted;
    for (let call = 0; call < 8 && promoted < 8; call++) promoted += (await promoteDue(store, 0, 100)).promoted;
    expect(promoted).toBe(8);
  });

  it('takes back expired leases in calls of a few MiB, saying that more are left', async () => {
    const { store } = ctx;
    await store.enqueueMany(Array.from({ length: 8 }, () => message({ body: MIB })));
    expect(await claim(store, 10, 1)).toHaveLength(8);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const first = await reapExpired(store, 0, 100);
    expect(first.requeued).toBeGreaterThan(0);
    expect(first.requeued).toBeLessThan(8);
    expect(first.more).toBe(true);
    let requeued = first.requeued;
    let more = first.more;
    for (let call = 0; call < 8 && more; call++) {
      const next = await reapExpired(store, 0, 100);
      requeued += next.requeued;
      more = next.more;
    }
    expect({ requeued, more }).toEqual({ requeued: 8, more: false });
  });
});
