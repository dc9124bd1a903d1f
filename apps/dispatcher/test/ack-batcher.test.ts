import { Store, StoreErrorCode, type ClaimedDelivery } from '@ferry/store';
import { scriptRuns } from '../../../test/support/script-runs';
import { useRedis } from '../../../test/support/use-redis';
import { AckBatcher } from '../src/ack-batcher';

describe('AckBatcher', () => {
  const ctx = useRedis();
  let store: Store;

  beforeEach(() => {
    store = new Store(ctx.redis, { prefix: 'ferry', shards: 1, eventsMaxLen: 1000, maxFreeAttempts: 2 });
  });

  async function leased(count: number): Promise<ClaimedDelivery[]> {
    for (let i = 0; i < count; i++) {
      await store.enqueue({ tenant: 'default', url: 'https://a.example/hook', method: 'POST', headers: {}, body: `${i}`, maxAttempts: 3 });
    }
    return (await store.claim(0, { limit: count, leaseMs: 60_000, defaultConcurrency: 100 })).deliveries;
  }

  const outcome = { startedAt: Date.now(), durationMs: 3, statusCode: 200 };

  it('writes the acks that arrive within its delay with one script call, each caller told its own result', async () => {
    const [a, b, c] = await leased(3);
    const acks = new AckBatcher(store, () => 20);
    await ctx.redis.config('RESETSTAT');
    const results = await Promise.allSettled([
      acks.ack(a!, outcome),
      acks.ack({ ...b!, attempt: 9 }, outcome),
      acks.ack(c!, outcome),
    ]);
    expect(await scriptRuns(ctx.redis)).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: StoreErrorCode.StaleLease });
    expect((await store.get(a!.id))?.record.state).toBe('delivered');
    expect((await store.get(b!.id))?.record.state).toBe('in_flight');
  });

  it('writes at once on flush(), without waiting out its delay', async () => {
    const [a] = await leased(1);
    const acks = new AckBatcher(store, () => 60_000);
    const written = acks.ack(a!, outcome);
    const started = Date.now();
    acks.flush();
    await written;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await store.get(a!.id))?.record.state).toBe('delivered');
  });

  it('asks for its delay when an ack finds no write scheduled, and not when one is', async () => {
    const [a, b, c, d] = await leased(4);
    let asked = 0;
    const acks = new AckBatcher(store, () => {
      asked++;
      return 20;
    });
    await acks.ack(a!, outcome);
    await acks.ack(b!, outcome);
    expect(asked).toBe(2);
    await Promise.all([acks.ack(c!, outcome), acks.ack(d!, outcome)]);
    expect(asked).toBe(3);
  });
});
