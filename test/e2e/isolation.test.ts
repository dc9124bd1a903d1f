import { stacksStoppedAfterEach, type Stack } from '../support/stack';
import { waitFor } from '../support/wait';
import type { ServiceProcess } from '../support/service-process';

/** p-th percentile (0..100) of the values, nearest rank. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Publishes `count` messages to `url` in batches of 100 and answers, once all have arrived,
 * each one's latency: from the batch's 2xx to its arrival at the sink.
 */
async function latencies(stack: Stack, sink: ServiceProcess, path: string, count: number): Promise<number[]> {
  const acceptedAt = new Map<string, number>();
  for (let start = 0; start < count; start += 100) {
    const size = Math.min(100, count - start);
    const ids = await stack.publishAll(Array.from({ length: size }, (_, i) => ({ destination: `${sink.url}${path}`, body: { i } })));
    const now = Date.now();
    for (const id of ids) acceptedAt.set(id, now);
  }
  const arrivals = await waitFor(
    async () => {
      const seen = (await stack.sinkRequests('', sink)).filter((r) => acceptedAt.has(r.messageId));
      return seen.length >= count ? seen : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `${count} deliveries to ${path}` },
  );
  return arrivals.map((r) => Number(r.at) - acceptedAt.get(r.messageId)!);
}

describe('isolation and fairness between destinations', () => {
  const startStack = stacksStoppedAfterEach();

  it('keeps a destination fast while another hangs every request until the timeout', async () => {
    const stack = await startStack();
    const slowSink = stack.sink;
    const fastSink = await stack.addSink();

    // Warmed up first: the first few hundred deliveries of fresh processes run in code not yet
    // optimised, which would inflate the baseline the comparison below leans on.
    await latencies(stack, fastSink, '/ok/warm-up', 300);
    const alone = await latencies(stack, fastSink, '/ok/alone', 500);
    await stack.publishAll(Array.from({ length: 500 }, (_, i) => ({ destination: `${slowSink.url}/hang/a`, body: { i } })));
    await waitFor(async () => (await stack.sinkStats(slowSink)).inFlight >= 10, { what: 'the hanging destination to fill up' });
    const beside = await latencies(stack, fastSink, '/ok/beside', 500);

    const [p95Alone, p95Beside] = [percentile(alone, 95), percentile(beside, 95)];
    // The hanging destination holds at most its cap of connections, not the dispatcher.
    expect((await stack.sinkStats(slowSink)).maxInFlight).toBeLessThanOrEqual(32);
    // Beside a destination that holds every request it gets until the 2 s timeout: were its
    // requests taking the dispatcher's slots, the fast one's would wait for that timeout.
    expect(p95Beside).toBeLessThanOrEqual(3 * Math.max(p95Alone, 50));
  });

  it('serves a small destination long before a large backlog elsewhere drains', async () => {
    const stack = await startStack();
    const big = stack.sink;
    const small = await stack.addSink();
    const backlog = Array.from({ length: 20_000 }, (_, i) => ({ destination: `${big.url}/slow/20/backlog`, body: { i } }));
    await stack.publishAll(backlog);
    const smallIds = await stack.publishAll(Array.from({ length: 100 }, (_, i) => ({ destination: `${small.url}/ok/small`, body: { i } })));

    await waitFor(async () => (await stack.sinkRequests('', small)).length >= smallIds.length, {
      timeoutMs: 30_000,
      what: 'the small destination to be served',
    });
    const bigDone = (await stack.sinkStats(big)).received as number;
    expect(bigDone).toBeLessThan(backlog.length / 4);
  });

  it('cuts off a receiver that answers and then sends its body a byte at a time, at the timeout', async () => {
    // FAST_ENV's delivery timeout is 2 s; undici's own timers only bound each pause in a body.
    const stack = await startStack();
    const ids = await stack.publishAll(Array.from({ length: 5 }, (_, i) => ({ destination: stack.sinkUrl('/drip/50/d'), body: { i } })));

    const finished = await stack.waitForStates(ids, ['delivered'], 10_000);
    for (const message of finished) {
      // One attempt each, answered 200, ended near the timeout: not held until the lease expired.
      expect(message.attempts).toHaveLength(1);
      expect(message.attempts[0]).toMatchObject({ statusCode: 200 });
      expect(message.attempts[0].durationMs).toBeGreaterThanOrEqual(1_900);
      expect(message.attempts[0].durationMs).toBeLessThan(4_000);
    }
    await waitFor(async () => (await stack.sinkStats()).inFlight === 0, { what: 'the dripping requests to be let go' });
  });
});
