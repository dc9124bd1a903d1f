import { createMemoryLogger, createMetricsRegistry, createRedis } from '@ferry/runtime';
import { freePort } from '../../../test/support/free-port';
import { eventTimes, shardDepth, Store, updateDestination } from '@ferry/store';
import { useRedis } from '../../../test/support/use-redis';
import { waitFor } from '../../../test/support/wait';
import { createSchedulerMetrics } from '../src/metrics';
import { SchedulerService } from '../src/scheduler-service';

describe('SchedulerService', () => {
  const ctx = useRedis();
  let store: Store;
  let scheduler: SchedulerService;
  const message = { tenant: 'default', url: 'https://a.example/x', method: 'POST' as const, headers: {}, maxAttempts: 3 };
  const retentionMs = 1_000;

  beforeEach(() => {
    store = new Store(ctx.redis, { prefix: 'ferry', shards: 3, eventsMaxLen: 100_000, maxFreeAttempts: 3 });
    scheduler = newScheduler(20);
    scheduler.start();
  });
  afterEach(() => scheduler.stop());

  function newScheduler(tickMs: number, log = createMemoryLogger().log): SchedulerService {
    const registry = createMetricsRegistry({ service: 'scheduler', collectDefault: false });
    return new SchedulerService({
      store,
      metrics: createSchedulerMetrics(registry, store, { perDestination: false }),
      log,
      tickMs,
      reapIntervalMs: 20,
      retentionMs,
    });
  }

  it('promotes delayed deliveries on every shard once they are due', async () => {
    const urls = ['https://a.example/x', 'https://b.example/x', 'https://c.example/x', 'https://d.example/x'];
    const ids = await Promise.all(urls.map((url) => store.enqueue({ ...message, url, delayMs: 150 })));
    expect((await store.get(ids[0]!.id))?.record.state).toBe('scheduled');
    for (const { id } of ids) {
      await waitFor(async () => (await store.get(id))?.record.state === 'ready', { what: `${id} to be ready` });
    }
  });

  it('promotes a large batch falling due at once promptly, and none before its time', async () => {
    // A tick far longer than the wait asserted below: only the sleep until the next due time and
    // looping at once after a full batch can make it.
    await scheduler.stop();
    scheduler = newScheduler(10_000);
    const dueAt = Date.now() + 3_000;
    const origins = Array.from({ length: 8 }, (_, i) => `https://d${i}.example`);
    const requests = Array.from({ length: 3_000 }, (_, i) => ({ ...message, url: `${origins[i % origins.length]}/x`, notBefore: dueAt }));
    const enqueued = await store.enqueueMany(requests);
    expect(new Set(enqueued.map((r) => (r.status === 'fulfilled' ? r.value.state : 'refused')))).toEqual(new Set(['scheduled']));
    const ids = enqueued.map((r) => (r.status === 'fulfilled' ? r.value.id : ''));
    scheduler.start();

    const times = await waitFor(async () => {
      const found = await eventTimes(store, 'ready');
      return found.size === ids.length ? found : undefined;
    }, { what: 'every delivery to be promoted' });
    const lateness = ids.map((id) => times.get(id)! - dueAt);
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lateness)).toBeLessThan(3_000);
  });

  it('keeps promoting on time on the shards that work while another fails', async () => {
    await scheduler.stop();
    const { log, lines } = createMemoryLogger();
    const url = ['https://a.example/x', 'https://b.example/x', 'https://c.example/x', 'https://d.example/x'].find(
      (candidate) => store.shardOfDestination(new URL(candidate).origin) !== 0,
    )!;
    const redis = store.redis as unknown as { ferryPromote: (...args: Array<string | number>) => Promise<unknown> };
    const promote = redis.ferryPromote.bind(redis);
    const broken = jest
      .spyOn(redis, 'ferryPromote')
      .mockImplementation((...args) => (args.includes(store.keys.due(0)) ? Promise.reject(new Error('shard 0 is down')) : promote(...args)));
    scheduler = newScheduler(20, log);
    scheduler.start();
    try {
      // Due over a second: a pause of a second after each failure would make most of them late.
      const delays = [300, 500, 700, 900, 1_100];
      const before = Date.now();
      const ids = await Promise.all(delays.map(async (delayMs) => (await store.enqueue({ ...message, url, delayMs })).id));
      for (const id of ids) {
        await waitFor(async () => (await store.get(id))?.record.state === 'ready', { what: 'promotion', timeoutMs: 5_000 });
      }
      const readyAt = await eventTimes(store, 'ready');
      const lateness = ids.map((id, i) => readyAt.get(id)! - (before + delays[i]!));
      expect(lateness.filter((ms) => ms > 250)).toEqual([]);
      expect(lines.find((line) => line.msg === 'promotion failed on some shards; retrying')).toMatchObject({ err: expect.objectContaining({ message: expect.stringContaining('shard 0: shard 0 is down') }) });
    } finally {
      broken.mockRestore();
    }
  });

  it("looks for due work without the destinations' keys while nothing is due soon, and still promotes on time", async () => {
    const urls = ['https://a.example/x', 'https://b.example/x', 'https://c.example/x', 'https://d.example/x'];
    const first = await Promise.all(urls.map((url) => store.enqueue({ ...message, url, delayMs: 50 })));
    for (const { id } of first) await waitFor(async () => (await store.get(id))?.record.state === 'ready', { what: 'promotion' });

    const redis = store.redis as unknown as { ferryPromote: (numKeys: number, ...args: Array<string | number>) => Promise<unknown> };
    const promote = redis.ferryPromote.bind(redis);
    const keyCounts: number[] = [];
    const watched = jest.spyOn(redis, 'ferryPromote').mockImplementation((numKeys, ...args) => {
      keyCounts.push(numKeys);
      return promote(numKeys, ...args);
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Idle ticks: each look names only the shard's own keys, not two more per destination.
      expect(keyCounts.length).toBeGreaterThan(5);
      expect(new Set(keyCounts)).toEqual(new Set([store.scriptKeys.promote(0, []).length]));

      const before = Date.now();
      const { id } = await store.enqueue({ ...message, url: urls[1]!, delayMs: 100 });
      await waitFor(async () => (await store.get(id))?.record.state === 'ready', { what: 'the next promotion' });
      expect(Date.now() - before).toBeLessThan(600);
    } finally {
      watched.mockRestore();
    }
  });

  it('takes back the lease of a delivery whose dispatcher went away', async () => {
    const { id } = await store.enqueue(message);
    await store.claim(store.shardOfDestination('https://a.example'), { limit: 1, leaseMs: 50, defaultConcurrency: 10 });
    await waitFor(async () => (await store.get(id))?.record.state === 'ready', { what: 're-queue' });
  });

  it('forgets finished deliveries after the retention period', async () => {
    const { id } = await store.enqueue(message);
    const cancelled = Date.now();
    await store.cancel(id);
    await scheduler.expire();
    expect(await store.get(id)).toBeDefined();
    // The loop sweeps every 5 s; sweep directly here until the retention has passed.
    await waitFor(
      async () => {
        await scheduler.expire();
        return (await store.get(id)) === undefined;
      },
      { what: 'expiry' },
    );
    expect(Date.now() - cancelled).toBeGreaterThanOrEqual(retentionMs);
  });

  it('forgets an idle destination behind more idle ones kept for their settings than one look takes', async () => {
    const shard = store.shardOfDestination('https://idle.example');
    const configured: string[] = [];
    for (let i = 0; configured.length < 120; i++) {
      const origin = `https://kept${i}.example`;
      if (store.shardOfDestination(origin) === shard) configured.push(origin);
    }
    for (const origin of configured) await updateDestination(store, origin, { class: 'partners' });
    // Idle after all of them: the oldest idle entries are the 120 kept ones.
    await store.enqueue({ ...message, url: 'https://idle.example/x' });
    const [sent] = (await store.claim(shard, { limit: 1, leaseMs: 30_000, defaultConcurrency: 10, hint: 'https://idle.example' })).deliveries;
    await store.ack(sent!, { startedAt: Date.now(), durationMs: 1, statusCode: 200 });
    await new Promise((resolve) => setTimeout(resolve, retentionMs + 50));
    const indexed = async () => ctx.redis.zscore(store.keys.destinations(shard), 'https://idle.example');
    expect(await indexed()).not.toBeNull();
    await scheduler.expire();
    await scheduler.expire();
    expect(await indexed()).toBeNull();
    expect(await ctx.redis.zcard(store.keys.destinations(shard))).toBe(configured.length);
  });

  it('makes every shard\'s ready count exact when it starts on a keyspace from before the count', async () => {
    await scheduler.stop();
    const urls = ['https://a.example/x', 'https://b.example/x', 'https://c.example/x', 'https://d.example/x'];
    await store.enqueueMany(urls.flatMap((url) => [{ ...message, url }, { ...message, url }]));
    // As an older version left the keyspace: ready lists, and no count on any shard.
    for (let shard = 0; shard < store.options.shards; shard++) await ctx.redis.del(store.keys.readyCount(shard));
    const depth = async () => {
      const shards = await Promise.all([0, 1, 2].map((shard) => shardDepth(store, shard)));
      return shards.reduce((sum, d) => sum + d.ready, 0);
    };
    expect(await depth()).toBe(0);

    const { log, lines } = createMemoryLogger();
    scheduler = newScheduler(20, log);
    scheduler.start();
    await waitFor(async () => (await depth()) === urls.length * 2, { what: 'the ready count of every shard' });
    const made = lines.filter((line) => line.msg === 'ready count made from the ready lists');
    expect(made.reduce((sum, line) => sum + Number(line['ready']), 0)).toBe(urls.length * 2);
  });

  it('stops within a step while Redis is gone, not after a pass over every shard', async () => {
    await scheduler.stop();
    const { log } = createMemoryLogger();
    // Ferry's own client settings: each command fails only once a reconnect has failed too.
    const gone = createRedis(`redis://127.0.0.1:${await freePort()}`, { name: 'scheduler-test', log });
    try {
      store = new Store(gone, { prefix: 'ferry', shards: 16, eventsMaxLen: 100, maxFreeAttempts: 3 });
      scheduler = newScheduler(20, log);
      scheduler.start();
      // Long enough for the reconnect delay to reach its 2 s ceiling.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const stopping = Date.now();
      await scheduler.stop();
      expect(Date.now() - stopping).toBeLessThan(6_000);
    } finally {
      gone.disconnect();
    }
  });

  it('says its steps fail while Redis stops answering, instead of waiting on them in silence', async () => {
    await scheduler.stop();
    const { log, lines } = createMemoryLogger();
    const stalling = createRedis(ctx.server.url, { name: 'scheduler-test', log, commandTimeoutMs: 300 });
    try {
      store = new Store(stalling, { prefix: 'ferry', shards: 3, eventsMaxLen: 100, maxFreeAttempts: 3 });
      await waitFor(() => stalling.status === 'ready', { what: 'the connection' });
      scheduler = newScheduler(20, log);
      scheduler.start();
      await ctx.redis.call('CLIENT', 'PAUSE', '1500', 'ALL');
      await waitFor(async () => lines.some((line) => line.msg === 'scheduler step failed; retrying'), { what: 'the failure to be logged', timeoutMs: 1_400 });
      await scheduler.stop();
    } finally {
      await ctx.redis.call('CLIENT', 'UNPAUSE');
      stalling.disconnect();
    }
  });

  it("expires finished deliveries while a ready count cannot be made (at Redis's memory limit), and makes it later", async () => {
    await scheduler.stop();
    const { id } = await store.enqueue(message);
    await store.cancel(id);
    for (let shard = 0; shard < store.options.shards; shard++) await ctx.redis.del(store.keys.readyCount(shard));
    await new Promise((resolve) => setTimeout(resolve, retentionMs + 50));

    const { log, lines } = createMemoryLogger();
    scheduler = newScheduler(20, log);
    await ctx.redis.config('SET', 'maxmemory', '1');
    try {
      await scheduler.expire();
    } finally {
      await ctx.redis.config('SET', 'maxmemory', '0');
    }
    expect(await store.get(id)).toBeUndefined();
    expect(lines.filter((line) => line.msg === 'making the ready count failed; retrying')).toHaveLength(1);
    expect(lines.filter((line) => line.msg === 'ready count made from the ready lists')).toEqual([]);

    await scheduler.expire();
    expect(lines.filter((line) => line.msg === 'ready count made from the ready lists')).toHaveLength(store.options.shards);
  });
});
