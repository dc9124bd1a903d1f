import { Counter, Gauge, type Registry } from '@ferry/runtime';
import { shardDepth, type Store } from '@ferry/store';

export type SchedulerMetrics = ReturnType<typeof createSchedulerMetrics>;

export function createSchedulerMetrics(registry: Registry, store: Store) {
  return {
    promoted: new Counter({
      name: 'ferry_promoted_total',
      help: 'Deliveries moved from waiting (delay or back-off) to ready.',
      registers: [registry],
    }),
    leasesExpired: new Counter({
      name: 'ferry_leases_expired_total',
      help: 'Leases that expired without an outcome. outcome: requeued, dead_lettered.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    expired: new Counter({
      name: 'ferry_records_expired_total',
      help: 'Finished deliveries forgotten after the retention period.',
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'ferry_queue_depth',
      help: 'Deliveries by state, summed over shards. state: ready, scheduled, in_flight, dead_lettered.',
      labelNames: ['state'] as const,
      registers: [registry],
      // Read at scrape time, so the figure is fresh and costs nothing between scrapes.
      async collect() {
        const depths = await Promise.all(
          Array.from({ length: store.options.shards }, (_, shard) => shardDepth(store, shard)),
        );
        const sum = (pick: (d: (typeof depths)[number]) => number) => depths.reduce((n, d) => n + pick(d), 0);
        this.set({ state: 'ready' }, sum((d) => d.ready));
        this.set({ state: 'scheduled' }, sum((d) => d.scheduled));
        this.set({ state: 'in_flight' }, sum((d) => d.inFlight));
        this.set({ state: 'dead_lettered' }, sum((d) => d.dead));
      },
    }),
  };
}
