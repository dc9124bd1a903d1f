import { postJson } from '../support/http';
import { Stack, stacksStoppedAfterEach } from '../support/stack';
import { waitFor } from '../support/wait';
import { terminalEvents } from './terminal-states';

describe('graceful shutdown of a dispatcher', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ dispatchers: 2 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('finishes what it holds on SIGTERM: nothing delivered twice, nothing lost', async () => {
    const ids: string[] = [];
    const publishing = (async () => {
      // A steady stream: 20 messages every 50 ms for 3 s.
      for (let tick = 0; tick < 60; tick++) {
        const batch = Array.from({ length: 20 }, (_, i) => ({
          destination: stack.sinkUrl('/slow/150/steady'),
          body: { tick, i },
        }));
        const { body } = await postJson(`${stack.ingest.url}/v1/messages/batch`, batch);
        ids.push(...body.results.map((r: { messageId: string }) => r.messageId));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    await waitFor(async () => (await stack.sinkRequests()).length >= 200, { what: 'the stream to flow' });
    const stopping = stack.dispatchers[0]!;
    expect(await stopping.terminate()).toBe(0);
    // Every request it had started, it finished. Only deliveries it had leased and not yet
    // started (a claim or hand-off that landed as the signal came) go back, unsent.
    const attempted = new Set(stopping.logsWith('attempt').map((line) => line.messageId));
    const handedBack = stopping.logsWith('handed back at shutdown').map((line) => line.messageId);
    expect(attempted.size).toBeGreaterThan(0);
    expect(handedBack.filter((id) => attempted.has(id))).toEqual([]);

    await publishing;
    await stack.waitForStates(ids, ['delivered'], 60_000);
    const received = (await stack.sinkRequests()).filter((r) => r.path === '/slow/150/steady');
    const perMessage = new Map<string, number>();
    for (const r of received) perMessage.set(r.messageId, (perMessage.get(r.messageId) ?? 0) + 1);
    expect(perMessage.size).toBe(ids.length);
    expect([...perMessage.values()].filter((n) => n > 1)).toEqual([]);
    const terminal = await terminalEvents(stack.redis.url);
    for (const id of ids) expect(terminal.get(id)).toEqual(['delivered']);
  });
});

describe('a dispatcher whose shutdown drain runs out of time', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Requests may take 10 s, the drain at shutdown only 300 ms.
    stack = await Stack.start({ env: { FERRY_DELIVERY_TIMEOUT_MS: '10000', FERRY_LEASE_MS: '15000', FERRY_SHUTDOWN_TIMEOUT_MS: '300' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gives up the request still running and hands its delivery back without spending a retry', async () => {
    const { body } = await postJson(`${stack.ingest.url}/v1/messages`, {
      destination: stack.sinkUrl('/slow/6000/hang'),
      body: { n: 1 },
      retries: 0,
    });
    const id: string = body.messageId;
    await waitFor(async () => (await stack.sinkRequests()).some((r) => r.messageId === id), { what: 'the request to arrive' });

    const stopping = stack.dispatchers[0]!;
    const stopped = Date.now();
    expect(await stopping.terminate()).toBe(0);
    // Well before the request would have been answered (6 s).
    expect(Date.now() - stopped).toBeLessThan(4_000);
    expect(stopping.logsWith('drain timeout passed; handing back unfinished deliveries')).toHaveLength(1);
    expect(stopping.logsWith('handed back at shutdown')).toEqual([expect.objectContaining({ messageId: id })]);
    expect((await stack.message(id)).state).toBe('ready');

    // With no retries allowed, only a hand-back that spent none lets the next dispatcher deliver it.
    await stack.addDispatcher();
    const [view] = await stack.waitForStates([id], ['delivered', 'failed'], 20_000);
    expect(view!.state).toBe('delivered');
    // The request given up on stays on the trail: the receiver had it.
    expect(view!.attempts.map((a: { attempt: number; statusCode?: number; error?: string }) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, undefined, expect.stringMatching(/^handed back at shutdown/)],
      [2, 200, undefined],
    ]);
  });
});

describe('a dispatcher stopped while Redis is down', () => {
  const startStack = stacksStoppedAfterEach();

  it('exits well within its shutdown timeout (10 s here) when it holds nothing', async () => {
    const stack = await startStack();
    await stack.redis.kill9();
    // Long enough for its wait for work to be queued again for a connection that will not come.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const dispatcher = stack.dispatchers[0]!;
    const started = Date.now();
    expect(await dispatcher.terminate()).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(dispatcher.logsWith('shutdown deadline passed; abandoning the remaining handlers')).toEqual([]);
  }, 60_000);
});

describe('a scheduler with no shutdown budget', () => {
  const startStack = stacksStoppedAfterEach();

  it('still stops cleanly (FERRY_SHUTDOWN_TIMEOUT_MS=0): it has nothing to drain', async () => {
    const stack = await startStack({ env: { FERRY_SHUTDOWN_TIMEOUT_MS: '0' }, dispatchers: 0 });
    expect(await stack.scheduler.terminate()).toBe(0);
    expect(stack.scheduler.logsWith('shutdown deadline passed; abandoning the remaining handlers')).toEqual([]);
  });
});
