import { startSink } from '../src/harness';
import { Scope } from '../src/scope';
import type { SinkClient } from '../src/sink-client';

// The built sink, as the bench starts it; its control API is what the client reads.
describe('SinkClient.spanOf', () => {
  const scope = new Scope('sink-client-test');
  let sink: SinkClient;
  beforeAll(async () => {
    sink = await startSink(scope, 100);
  });
  afterAll(() => scope.close());

  const send = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const response = await fetch(sink.url('span'), { method: 'POST', body: String(i) });
      await response.arrayBuffer();
    }
  };

  it('times the arrivals after the first `after` the sink has seen, not from its start', async () => {
    await send(3);
    const watching = sink.spanOf(4, { after: 3, timeoutMs: 10_000, signal: new AbortController().signal });
    await send(5);
    const span = await watching;

    const arrivals = await sink.arrivals(0);
    const atUsOf = (seq: number) => arrivals.find((record) => record.seq === seq)?.atUs;
    expect(span).toEqual({ firstUs: atUsOf(4), lastUs: atUsOf(7), count: 4 });
    expect(span.firstUs).toBeGreaterThan(atUsOf(3)!);
  });
});
