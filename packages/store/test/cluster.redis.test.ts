import Redis from 'ioredis';
import { RedisServer } from '../../../test/support/redis-server';
import { waitFor } from '../../../test/support/wait';
import { expireFinished, promoteDue, reapExpired, Store } from '../src';
import { message, outcome } from './fixtures';

/**
 * Invariant 4 (cluster-ready): every script call keeps to the keys it was given, all in one
 * slot. A one-node cluster refuses a script whose keys span slots, so the whole lifecycle is
 * run there with shards spread over several slots.
 */
describe('store on Redis Cluster', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await RedisServer.start({ cluster: true });
    redis = new Redis(server.url);
    await redis.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await waitFor(async () => String(await redis.call('CLUSTER', 'INFO')).includes('cluster_state:ok'), {
      what: 'cluster state ok',
    });
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.destroy();
  });

  it('runs every script with keys of one slot', async () => {
    const store = new Store(redis, { prefix: 'ferry', shards: 4, eventsMaxLen: 100, maxLeaseLosses: 1 });
    for (let shard = 0; shard < 4; shard++) {
      const kept = await store.enqueue(message({ shard, url: `https://s${shard}.example/a` }));
      const cancelled = await store.enqueue(message({ shard, delayMs: 60_000 }));
      await store.enqueue(message({ shard, delayMs: 1 }));
      await store.cancel(cancelled.id);

      const [first] = await store.claim(shard, 1, 30_000);
      expect(first?.id).toBe(kept.id);
      await store.extend(first!, 30_000);
      await store.release(first!);
      const [again] = await store.claim(shard, 1, 30_000);
      await store.retry(again!, outcome(500), { backoffMs: 0, final: false });
      await waitFor(async () => (await promoteDue(store, shard, 10)).promoted >= 1, { what: 'promotion' });

      const leased = await store.claim(shard, 10, 1);
      expect(leased.length).toBeGreaterThan(0);
      await waitFor(async () => (await reapExpired(store, shard, 10)).requeued >= 1, { what: 'reap' });
      for (const delivery of await store.claim(shard, 10, 30_000)) await store.ack(delivery, outcome());
      await waitFor(async () => (await expireFinished(store, shard, 0, 100)) >= 1, { what: 'expiry' });
    }
  });
});
