import { Stack } from '../support/stack';
import { waitFor } from '../support/wait';

describe('ordering keys, end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ dispatchers: 3 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('delivers each key in publish order through failures and a dispatcher crash', async () => {
    const keys = Array.from({ length: 20 }, (_, k) => `user-${k}`);
    const messages = Array.from({ length: 1_000 }, (_, n) => ({
      destination: stack.sinkUrl('/random-fail/30/fifo'),
      orderingKey: keys[n % keys.length],
      body: { n },
    }));
    const publishing = stack.publishAll(messages);
    await waitFor(async () => (await stack.sinkRequests()).length >= 150, { timeoutMs: 30_000, what: 'deliveries to flow' });
    await stack.dispatchers[0]!.kill9();
    const ids = await publishing;

    await stack.waitForStates(ids, ['delivered'], 90_000);
    const keyOf = new Map(ids.map((id, n) => [id, messages[n]!.orderingKey!]));
    const firstSuccess: string[] = [];
    const seen = new Set<string>();
    for (const request of await stack.sinkRequests()) {
      if (request.status !== 200 || seen.has(request.messageId)) continue;
      seen.add(request.messageId);
      firstSuccess.push(request.messageId);
    }
    expect(seen.size).toBe(ids.length);
    for (const key of keys) {
      const published = ids.filter((id) => keyOf.get(id) === key);
      expect(firstSuccess.filter((id) => keyOf.get(id) === key)).toEqual(published);
    }
  });
});
