import { Counter, Gauge, Histogram, type Registry } from '@ferry/runtime';
import type { AttemptKind } from './deliver';

export type DispatcherMetrics = ReturnType<typeof createDispatcherMetrics>;

export function createDispatcherMetrics(registry: Registry) {
  return {
    attempts: new Histogram({
      name: 'ferry_attempt_duration_seconds',
      help: 'Duration of delivery attempts. outcome: success, http_error, timeout, network_error, refused.',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'ferry_attempt_outcomes_total',
      help:
        'What each recorded attempt led to. outcome: delivered (2xx), retrying (back-off), ' +
        'failed (dead-lettered), deferred (the destination asked to wait; no retry spent).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    staleOutcomes: new Counter({
      name: 'ferry_stale_outcomes_total',
      help: 'Outcomes refused because the lease had been lost (the delivery was re-queued meanwhile).',
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'ferry_dispatcher_in_flight',
      help: 'Deliveries this dispatcher is sending right now.',
      registers: [registry],
    }),
  };
}

export function observeAttempt(metrics: DispatcherMetrics, kind: AttemptKind, durationMs: number): void {
  metrics.attempts.labels(kind).observe(durationMs / 1000);
}
