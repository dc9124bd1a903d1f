import { Counter, Gauge, withTimeout, type Registry } from '@ferry/runtime';
import { listDestinations, shardDepth, type DestinationView, type Store } from '@ferry/store';

export type SchedulerMetrics = ReturnType<typeof createSchedulerMetrics>;

/** Destinations looked at per scrape: the most recently active ones. */
const SCRAPED_DESTINATIONS = 1_000;

export interface SchedulerMetricsOptions {
  /** Label destinations by origin instead of by class: unbounded, so only on the operator's say. */
  perDestination: boolean;
}

/** Longest wait for a gauge's reading: well inside Prometheus's default 10 s scrape timeout. */
const SCRAPE_READ_TIMEOUT_MS = 1_000;

/**
 * The gauges below are read from Redis at scrape time. While it cannot be reached, or does not
 * answer within SCRAPE_READ_TIMEOUT_MS (a stalled Redis would hold the reply for the command
 * timeout, 10 s), they have no samples, rather than fail the whole scrape and take the counters
 * and process metrics with them just when someone looks.
 */
async function fromRedis(gauge: { reset(): void }, read: () => Promise<void>): Promise<void> {
  try {
    await withTimeout(read(), SCRAPE_READ_TIMEOUT_MS, () => new Error(`no reading within ${SCRAPE_READ_TIMEOUT_MS} ms`));
  } catch {
    gauge.reset();
  }
}

export function createSchedulerMetrics(registry: Registry, store: Store, options: SchedulerMetricsOptions) {
  const labelOf = (view: DestinationView) =>
    options.perDestination ? view.destination : (view.settings.class ?? 'default');
  // One read of the destinations per scrape, shared by the gauges below.
  let cached: { at: number; views: Promise<DestinationView[]> } | undefined;
  const destinations = () => {
    if (!cached || Date.now() - cached.at > 1_000) {
      cached = { at: Date.now(), views: listDestinations(store, SCRAPED_DESTINATIONS) };
    }
    return cached.views;
  };
  const perDestination = (name: string, help: string, value: (view: DestinationView) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['destination_class'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        await fromRedis(this, async () => {
          const sums = new Map<string, number>();
          for (const view of await destinations()) sums.set(labelOf(view), (sums.get(labelOf(view)) ?? 0) + value(view));
          for (const [label, sum] of sums) this.set({ destination_class: label }, sum);
        });
      },
    });

  const leasesExpired = new Counter({
    name: 'ferry_leases_expired_total',
    help: 'Leases that expired without an outcome. outcome: requeued, dead_lettered.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  // Both series exist from the start at 0, so that an alert on their rate has something to read
  // before the first lease expires.
  for (const outcome of ['requeued', 'dead_lettered']) leasesExpired.inc({ outcome }, 0);

  return {
    destinationReady: perDestination(
      'ferry_destination_ready',
      'Deliveries ready to send, by destination class (the class setting; the origin with FERRY_METRICS_PER_DESTINATION).',
      (view) => view.backlog,
    ),
    destinationInFlight: perDestination(
      'ferry_destination_in_flight',
      'Deliveries in flight, by destination class.',
      (view) => view.inFlight,
    ),
    destinationsPaused: perDestination(
      'ferry_destinations_paused',
      'Destinations paused by an operator or waiting out a Retry-After, by destination class.',
      (view) => (view.settings.paused || view.pausedUntil !== undefined ? 1 : 0),
    ),
    promoted: new Counter({
      name: 'ferry_promoted_total',
      help: 'Deliveries moved from waiting (delay or back-off) to ready.',
      registers: [registry],
    }),
    leasesExpired,
    expired: new Counter({
      name: 'ferry_records_expired_total',
      help: 'Finished deliveries forgotten after the retention period.',
      registers: [registry],
    }),
    destinationsForgotten: new Counter({
      name: 'ferry_destinations_forgotten_total',
      help: 'Idle destinations without settings forgotten after the retention period.',
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'ferry_queue_depth',
      help: 'Deliveries by state, summed over shards. state: ready, scheduled, in_flight, dead_lettered.',
      labelNames: ['state'] as const,
      registers: [registry],
      // Read at scrape time, so the figure is fresh and costs nothing between scrapes.
      async collect() {
        await fromRedis(this, async () => {
          const depths = await Promise.all(
            Array.from({ length: store.options.shards }, (_, shard) => shardDepth(store, shard)),
          );
          const sum = (pick: (d: (typeof depths)[number]) => number) => depths.reduce((n, d) => n + pick(d), 0);
          this.set({ state: 'ready' }, sum((d) => d.ready));
          this.set({ state: 'scheduled' }, sum((d) => d.scheduled));
          this.set({ state: 'in_flight' }, sum((d) => d.inFlight));
          this.set({ state: 'dead_lettered' }, sum((d) => d.dead));
        });
      },
    }),
  };
}
