import { postJson } from '../support/http';
import { Stack } from '../support/stack';
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
    expect(stopping.logsWith('handed back at shutdown')).toHaveLength(0);

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
