import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Re-exported so services define metrics against the same prom-client the registry comes from.
export { Counter, Gauge, Histogram, Registry };

export interface MetricsRegistryOptions {
  service: string;
  /** Process metrics (CPU, memory, event loop lag). Off in tests that compare exact output. */
  collectDefault?: boolean;
}

/**
 * One registry per service. The `service` label keeps series apart when services share a scrape
 * job or run in one process (development). Every metric name starts with `ferry_`.
 */
export function createMetricsRegistry({ service, collectDefault = true }: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (collectDefault) collectDefaultMetrics({ register: registry, prefix: 'ferry_' });
  return registry;
}
