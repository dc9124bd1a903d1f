import { Counter, createMetricsRegistry } from './metrics';

describe('createMetricsRegistry', () => {
  it('labels every series with the service', async () => {
    const registry = createMetricsRegistry({ service: 'ingest', collectDefault: false });
    const accepted = new Counter({ name: 'ferry_messages_accepted_total', help: 'Accepted messages', registers: [registry] });
    accepted.inc(3);
    expect(await registry.metrics()).toContain('ferry_messages_accepted_total{service="ingest"} 3');
  });

  it('collects process metrics under ferry_ when asked', async () => {
    const registry = createMetricsRegistry({ service: 'scheduler' });
    const text = await registry.metrics();
    expect(text).toMatch(/^ferry_process_cpu_seconds_total\{service="scheduler"\} /m);
    const names = registry.getMetricsAsArray().map((metric) => metric.name);
    expect(names.length).toBeGreaterThan(5);
    expect(names.filter((name) => !name.startsWith('ferry_'))).toEqual([]);
  });

  it('collects nothing when turned off', async () => {
    const registry = createMetricsRegistry({ service: 'scheduler', collectDefault: false });
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});
