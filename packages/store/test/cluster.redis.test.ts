import Redis from 'ioredis';
import { RedisServer } from '../../../test/support/redis-server';
import { waitFor } from '../../../test/support/wait';
import {
  expireFinished,
  promoteDue,
  pruneDestinations,
  reapExpired,
  recountReady,
  registerWaiter,
  shardDepth,
  Store,
  updateDestination,
} from '../src';
import { commandName, loadScript, SCRIPT_NAMES } from '../src/scripts';
import { failed, message, outcome } from './fixtures';

/**
 * Invariant 4 (cluster-ready): every script call keeps to the keys it was given, all in one
 * slot. A one-node cluster refuses a script whose keys span slots, so the whole lifecycle is
 * run there with destinations on every shard. The scripts run here with the `#!lua` shebang of
 * Redis 7, under which Redis also refuses a key of another slot that the script was not given
 * (without it, a script may touch any key of the node); Ferry itself sends them without it, as
 * Redis 6.2 requires. A key of the same slot built inside a script would still pass here: keys
 * are built in one place, script-keys.ts, and passed in KEYS.
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
    await redis?.quit();
    await server?.destroy();
  });

  it('runs every script with keys of one slot', async () => {
    const store = new Store(redis, { prefix: 'ferry', shards: 4, eventsMaxLen: 100, maxFreeAttempts: 3 });
    for (const script of SCRIPT_NAMES) redis.defineCommand(commandName(script), { lua: `#!lua\n${loadScript(script)}` });
    const options = { limit: 10, leaseMs: 30_000, defaultConcurrency: 10 };
    const origins = new Map<number, string>();
    for (let i = 0; origins.size < 4; i++) origins.set(store.shardOfDestination(`https://d${i}.example`), `https://d${i}.example`);

    for (const [shard, origin] of origins) {
      const url = `${origin}/hook`;
      await updateDestination(store, origin, { rate: 1000, burst: 10, concurrency: 5 });
      // A dispatcher waits: the first message is handed over, and the claim takes it from the handoff list.
      await registerWaiter(store, { instance: 'd1', leaseMs: 30_000, defaultConcurrency: 10 });
      const kept = await store.enqueue(message({ url }));
      expect(kept.state).toBe('in_flight');
      const cancelled = await store.enqueue(message({ url, delayMs: 60_000 }));
      await store.enqueue(message({ url, delayMs: 1, orderingKey: 'k' }));
      await store.enqueue(message({ url, orderingKey: 'k' }));
      await store.cancel(cancelled.id);

      const [first] = (await store.claim(shard, { ...options, limit: 1 })).deliveries;
      expect(first?.id).toBe(kept.id);
      await store.extend(first!, 30_000);
      await store.release(first!, { ...outcome(), error: 'handed back at shutdown' });
      // The ready count made by scanning the shard's ready lists, as for a keyspace that predates it.
      await redis.del(store.keys.readyCount(shard));
      expect(await recountReady(store, shard)).toBe(1);
      expect((await shardDepth(store, shard)).ready).toBe(1);
      const [again] = (await store.claim(shard, { ...options, limit: 1 })).deliveries;
      await store.retry(again!, outcome(500), failed());
      await waitFor(async () => (await promoteDue(store, shard, 10)).promoted >= 1, { what: 'promotion' });

      const leased = (await store.claim(shard, { ...options, leaseMs: 1 })).deliveries;
      expect(leased.length).toBeGreaterThan(0);
      await waitFor(async () => (await reapExpired(store, shard, 10)).requeued >= 1, { what: 'reap' });
      const batch = (await store.claim(shard, options)).deliveries;
      expect(await store.defer(batch[0]!, outcome(429), { waitMs: 1, summary: 'HTTP 429' })).toBe(true);
      for (const delivery of batch.slice(1)) await store.ack(delivery, outcome());
      await waitFor(
        async () => {
          await promoteDue(store, shard, 10);
          for (const d of (await store.claim(shard, options)).deliveries) await store.ack(d, outcome());
          return (await redis.llen(store.keys.order(shard, origin, 'default', 'k'))) === 0;
        },
        { what: 'the ordered deliveries' },
      );
      await waitFor(async () => (await expireFinished(store, shard, 0, 100)) >= 1, { what: 'expiry' });
      await updateDestination(store, origin, { rate: null, burst: null, concurrency: null });
      expect((await pruneDestinations(store, shard, 0, 10)).forgotten).toBe(1);
    }
  });
});
