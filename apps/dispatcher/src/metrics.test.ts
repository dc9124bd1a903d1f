import { Registry } from '@ferry/runtime';
import { createDispatcherMetrics, observeAttempt } from './metrics';

describe('dispatcher metrics', () => {
  it('reads the in-flight count when scraped', async () => {
    const registry = new Registry();
    const metrics = createDispatcherMetrics(registry);
    let inFlight = 3;
    metrics.countInFlight(() => inFlight);
    expect(await registry.getSingleMetricAsString('ferry_dispatcher_in_flight')).toMatch(/^ferry_dispatcher_in_flight 3$/m);
    inFlight = 0;
    expect(await registry.getSingleMetricAsString('ferry_dispatcher_in_flight')).toMatch(/^ferry_dispatcher_in_flight 0$/m);
  });

  it('counts attempts and outcomes under their labels', async () => {
    const registry = new Registry();
    const metrics = createDispatcherMetrics(registry);
    observeAttempt(metrics, 'success', 12);
    observeAttempt(metrics, 'success', 30);
    observeAttempt(metrics, 'timeout', 5_000);
    metrics.outcomesOf('delivered').inc();
    metrics.outcomesOf('delivered').inc();
    metrics.outcomesOf('retrying').inc();
    const attempts = await registry.getSingleMetricAsString('ferry_attempt_duration_seconds');
    expect(attempts).toMatch(/^ferry_attempt_duration_seconds_count\{outcome="success"\} 2$/m);
    expect(attempts).toMatch(/^ferry_attempt_duration_seconds_count\{outcome="timeout"\} 1$/m);
    const outcomes = await registry.getSingleMetricAsString('ferry_attempt_outcomes_total');
    expect(outcomes).toMatch(/^ferry_attempt_outcomes_total\{outcome="delivered"\} 2$/m);
    expect(outcomes).toMatch(/^ferry_attempt_outcomes_total\{outcome="retrying"\} 1$/m);
  });
});
