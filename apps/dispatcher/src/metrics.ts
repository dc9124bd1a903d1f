import { boundedMemo, Counter, Gauge, Histogram, type Registry } from '@ferry/runtime';
import type { AttemptKind } from './deliver';
import type { Ended } from './record-outcome';

export type DispatcherMetrics = ReturnType<typeof createDispatcherMetrics>;

/** More than any of the label sets here holds. */
const LABEL_VALUES = 16;

export function createDispatcherMetrics(registry: Registry) {
  let inFlight: () => number = () => 0;
  const attempts = new Histogram({
    name: 'ferry_attempt_duration_seconds',
    help: 'Duration of delivery attempts. outcome: success, http_error, timeout, network_error, refused.',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'ferry_attempt_outcomes_total',
    help:
      'What each recorded attempt led to. outcome: delivered (2xx), retrying (back-off), ' +
      'failed (dead-lettered), deferred (the destination asked to wait; no retry spent).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return {
    attempts,
    outcomes,
    // prom-client hashes the labels on every labels() call; these values are a small fixed set
    // seen on every delivery, so each child is looked up once.
    /** The attempt-duration series of one outcome kind. */
    attemptsOf: boundedMemo(LABEL_VALUES, (kind: AttemptKind) => attempts.labels(kind)),
    /** The outcome counter of one way an attempt ended. */
    outcomesOf: boundedMemo(LABEL_VALUES, (ended: Ended) => outcomes.labels(ended)),
    staleOutcomes: new Counter({
      name: 'ferry_stale_outcomes_total',
      help: 'Outcomes refused because the lease had been lost (the delivery was re-queued meanwhile).',
      registers: [registry],
    }),
    handedOver: new Counter({
      name: 'ferry_deliveries_handed_over_total',
      help: 'Deliveries handed to this dispatcher on arrival while it waited for work: started without a claim.',
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'ferry_dispatcher_in_flight',
      help: 'Deliveries this dispatcher is sending right now.',
      registers: [registry],
      // Read at each scrape: setting it twice a delivery cost more than the number is worth.
      collect() {
        this.set(inFlight());
      },
    }),
    /** Where the in-flight gauge reads its value. */
    countInFlight(source: () => number): void {
      inFlight = source;
    },
  };
}

export function observeAttempt(metrics: DispatcherMetrics, kind: AttemptKind, durationMs: number): void {
  metrics.attemptsOf(kind).observe(durationMs / 1000);
}
