import { createMetricsRegistry } from '@ferry/runtime';
import { Store } from '@ferry/store';
import Redis from 'ioredis';
import { freePort } from '../../../test/support/free-port';
import { useRedis } from '../../../test/support/use-redis';
import { createSchedulerMetrics } from '../src/metrics';

describe('scheduler metrics', () => {
  const ctx = useRedis();

  const scrape = (redis: Redis) => {
    const registry = createMetricsRegistry({ service: 'scheduler', collectDefault: false });
    const store = new Store(redis, { prefix: 'ferry', shards: 2, eventsMaxLen: 100, maxFreeAttempts: 3 });
    const metrics = createSchedulerMetrics(registry, store, { perDestination: false });
    metrics.promoted.inc(3);
    return registry.metrics();
  };

  it('reads the queue depth from Redis at scrape time', async () => {
    const text = await scrape(ctx.redis);
    expect(text).toMatch(/^ferry_queue_depth\{state="ready"[^}]*\} 0$/m);
    expect(text).toMatch(/^ferry_promoted_total\{[^}]*\} 3$/m);
    // Before any lease has expired, for alerts on their rate.
    expect(text).toMatch(/^ferry_leases_expired_total\{outcome="requeued"[^}]*\} 0$/m);
    expect(text).toMatch(/^ferry_leases_expired_total\{outcome="dead_lettered"[^}]*\} 0$/m);
  });

  it('answers within about a second, without the Redis-backed gauges, while Redis is stalled', async () => {
    const stalled = new Redis(ctx.server.url);
    const other = new Redis(ctx.server.url);
    try {
      await stalled.ping();
      // Holds every client's commands, as a Redis frozen by a long script or a stopped process does.
      await other.client('PAUSE', 2_500, 'ALL');
      const startedAt = Date.now();
      const text = await scrape(stalled);
      expect(Date.now() - startedAt).toBeLessThan(2_000);
      expect(text).toMatch(/^ferry_promoted_total\{[^}]*\} 3$/m);
      expect(text).not.toMatch(/^ferry_queue_depth\{/m);
      expect(text).not.toMatch(/^ferry_destination_ready\{/m);
    } finally {
      stalled.disconnect();
      other.disconnect();
    }
  });

  it('still answers, without the Redis-backed gauges, while Redis cannot be reached', async () => {
    // Nothing listens on this port; commands fail at once instead of waiting for a connection.
    const unreachable = new Redis(await freePort(), '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    try {
      const text = await scrape(unreachable);
      expect(text).toMatch(/^ferry_promoted_total\{[^}]*\} 3$/m);
      expect(text).not.toMatch(/^ferry_queue_depth\{/m);
      expect(text).not.toMatch(/^ferry_destination_ready\{/m);
    } finally {
      unreachable.disconnect();
    }
  });
});
