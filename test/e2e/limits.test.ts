import { postJson } from '../support/http';
import { stacksStoppedAfterEach } from '../support/stack';
import { waitFor } from '../support/wait';

describe('per-destination limits across dispatchers', () => {
  const startStack = stacksStoppedAfterEach();

  it('holds a rate limit of 20/s with three dispatchers', async () => {
    const stack = await startStack({ dispatchers: 3 });
    await stack.configureDestination(stack.sink.url, { ratePerSecond: 20 });
    await stack.publishAll(Array.from({ length: 150 }, (_, i) => ({ destination: stack.sinkUrl('/ok/rate'), body: { i } })));

    const arrivals = await waitFor(
      async () => {
        const seen = (await stack.sinkRequests()).map((r) => Number(r.at));
        return seen.length > 0 && seen[seen.length - 1]! - seen[0]! >= 5_000 ? seen : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'five seconds of deliveries' },
    );
    const window = arrivals.filter((at) => at - arrivals[0]! < 5_000);
    // Starts are spaced by the rate across all three dispatchers: any one-second window holds at
    // most the rate plus the burst (1), and five seconds at most 101. The sink stamps arrivals as
    // it gets to them, so a stall of its own can bunch a few: an allowance of three. Three
    // dispatchers each holding the rate on their own would show about 60 a second.
    const busiest = Math.max(...window.map((start) => window.filter((at) => at >= start && at < start + 1_000).length));
    expect(busiest).toBeLessThanOrEqual(21 + 3);
    expect(window.length).toBeLessThanOrEqual(101 + 3);
    // And the destination is kept busy at that rate, not starved.
    expect(window.length).toBeGreaterThanOrEqual(80);
  });

  it('never has more requests in flight at a destination than its cap', async () => {
    const stack = await startStack({ dispatchers: 2 });
    await stack.configureDestination(stack.sink.url, { concurrency: 3 });
    const ids = await stack.publishAll(Array.from({ length: 60 }, (_, i) => ({ destination: stack.sinkUrl('/slow/100/cap'), body: { i } })));
    await stack.waitForStates(ids, ['delivered'], 30_000);
    expect((await stack.sinkStats()).maxInFlight).toBe(3);
  });

  it('sends nothing more to a paused destination, not even what a busy dispatcher leased ahead', async () => {
    // Four slots, and up to two claims of 8 leased ahead of them: 16 wait while 4 are sent.
    const stack = await startStack({ env: { FERRY_DISPATCH_CONCURRENCY: '4', FERRY_CLAIM_BATCH: '8' } });
    const ids = await stack.publishAll(Array.from({ length: 20 }, (_, i) => ({ destination: stack.sinkUrl('/slow/1000/paused'), body: { i } })));
    await waitFor(async () => ((await stack.sinkRequests()).length === 4 ? true : undefined), { what: 'four requests out' });
    // Long enough for those leased ahead to be checked before they start.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stack.configureDestination(stack.sink.url, { paused: true });
    const pausedAt = Date.now();

    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const afterPause = (await stack.sinkRequests()).filter((request) => Number(request.at) > pausedAt);
    expect(afterPause).toEqual([]);

    await stack.configureDestination(stack.sink.url, { paused: false });
    const views = await stack.waitForStates(ids, ['delivered'], 30_000);
    // Handed back unsent, they spent nothing: one attempt each, each sent once.
    for (const view of views) expect(view.attempts).toHaveLength(1);
    expect(await stack.sinkRequests()).toHaveLength(20);
  });

  it('keeps the leases of what waits behind slow receivers, so none is lost unsent or dead-lettered', async () => {
    // One slot and two claims of 8 leased ahead: the last waits 16 × 0.9 s, twice the 7 s lease.
    // No free attempts and no retries: a lease lost once would dead-letter a message never sent.
    const stack = await startStack({ env: { FERRY_DISPATCH_CONCURRENCY: '1', FERRY_CLAIM_BATCH: '8', FERRY_MAX_FREE_ATTEMPTS: '0' } });
    const ids = await stack.publishAll(Array.from({ length: 17 }, (_, i) => ({ destination: stack.sinkUrl('/slow/900/waiting'), body: { i }, retries: 0 })));

    const views = await stack.waitForStates(ids, ['delivered', 'failed'], 40_000);
    expect(views.map((view) => view.state)).toEqual(ids.map(() => 'delivered'));
    for (const view of views) expect(view.attempts).toHaveLength(1);
    expect(await stack.sinkRequests()).toHaveLength(17);
  }, 60_000);

  it('holds back, after a quick 429 with Retry-After, what was leased behind it for that destination', async () => {
    const stack = await startStack({ env: { FERRY_DISPATCH_CONCURRENCY: '1', FERRY_CLAIM_BATCH: '8' } });
    const ids = await stack.publishAll([
      { destination: stack.sinkUrl('/slow/1000/first') },
      { destination: stack.sinkUrl('/flaky/1/busy?status=429&retryAfter=2&scope=path') },
      ...Array.from({ length: 3 }, (_, i) => ({ destination: stack.sinkUrl('/ok/behind'), body: { i } })),
    ]);
    await stack.waitForStates(ids, ['delivered'], 20_000);
    const requests = await stack.sinkRequests();
    const refused = requests.find((request) => request.status === 429)!;
    const during = requests.filter((request) => Number(request.at) > Number(refused.at) && Number(request.at) - Number(refused.at) < 1_950);
    expect(during).toEqual([]);
  });

  it('waits out a Retry-After without spending a retry, and sends nothing before it', async () => {
    const stack = await startStack();
    const path = '/flaky/1/busy?status=429&retryAfter=2&scope=path';
    const first = await postJson(`${stack.ingest.url}/v1/messages`, { destination: stack.sinkUrl(path), body: { n: 0 }, retries: 0 });
    const [refused] = await waitFor(() => stack.sinkRequests().then((r) => (r.length ? r : undefined)), { what: 'the 429' });
    expect(refused!.status).toBe(429);
    // Publish the rest once the dispatcher has recorded the 429 (and so parked the destination):
    // until then the destination may still start them.
    await waitFor(async () => ((await stack.message(first.body.messageId)).attempts?.length === 1 ? true : undefined), {
      what: 'the 429 recorded',
    });
    const later = await stack.publishAll(Array.from({ length: 5 }, (_, n) => ({ destination: stack.sinkUrl(path), body: { n } })));

    const [view] = await stack.waitForStates([first.body.messageId], ['delivered'], 15_000);
    await stack.waitForStates(later, ['delivered'], 15_000);
    const after = (await stack.sinkRequests()).slice(1);
    expect(after).toHaveLength(6);
    for (const request of after) expect(Number(request.at) - Number(refused!.at)).toBeGreaterThanOrEqual(1_950);
    // retries: 0, yet delivered on its second attempt: the wait spent nothing.
    expect(view!.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([429, 200]);

    const destination = (await (await fetch(`${stack.ingest.url}/v1/destinations/${encodeURIComponent(stack.sink.url)}`)).json()) as {
      lastError: { message: string };
    };
    expect(destination.lastError.message).toMatch(/429/);
  });
});
