import Redis from 'ioredis';
import { createMemoryLogger, createMetricsRegistry } from '@ferry/runtime';
import { Store } from '@ferry/store';
import { RedisServer } from '../../../test/support/redis-server';
import { waitFor } from '../../../test/support/wait';
import { createSchedulerMetrics } from '../src/metrics';
import { SchedulerService } from '../src/scheduler-service';

describe('SchedulerService', () => {
  let server: RedisServer;
  let redis: Redis;
  let store: Store;
  let scheduler: SchedulerService;
  const message = { tenant: 'default', url: 'https://a.example/x', method: 'POST' as const, headers: {}, maxAttempts: 3 };

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url);
  });
  beforeEach(async () => {
    await redis.flushall();
    store = new Store(redis, { prefix: 'ferry', shards: 3, eventsMaxLen: 1000, maxFreeAttempts: 3 });
    const { log } = createMemoryLogger();
    const registry = createMetricsRegistry({ service: 'scheduler', collectDefault: false });
    scheduler = new SchedulerService({
      store,
      metrics: createSchedulerMetrics(registry, store, { perDestination: false }),
      log,
      tickMs: 20,
      reapIntervalMs: 20,
      retentionMs: 200,
    });
    scheduler.start();
  });
  afterEach(() => scheduler.stop());
  afterAll(async () => {
    await redis.quit();
    await server.destroy();
  });

  it('promotes delayed deliveries on every shard once they are due', async () => {
    const urls = ['https://a.example/x', 'https://b.example/x', 'https://c.example/x', 'https://d.example/x'];
    const ids = await Promise.all(urls.map((url) => store.enqueue({ ...message, url, delayMs: 150 })));
    expect((await store.get(ids[0]!.id))?.record.state).toBe('scheduled');
    for (const { id } of ids) {
      await waitFor(async () => (await store.get(id))?.record.state === 'ready', { what: `${id} to be ready` });
    }
  });

  it('takes back the lease of a delivery whose dispatcher went away', async () => {
    const { id } = await store.enqueue(message);
    await store.claim(store.shardOfDestination('https://a.example'), { limit: 1, leaseMs: 50, defaultConcurrency: 10 });
    await waitFor(async () => (await store.get(id))?.record.state === 'ready', { what: 're-queue' });
  });

  it('forgets finished deliveries after the retention period', async () => {
    const { id } = await store.enqueue(message);
    await store.cancel(id);
    expect(await store.get(id)).toBeDefined();
    // The loop sweeps every 5 s; sweep directly here until the retention (200 ms) has passed.
    await waitFor(
      async () => {
        await scheduler.expire();
        return (await store.get(id)) === undefined;
      },
      { what: 'expiry' },
    );
  });
});
