import Redis from 'ioredis';
import { stacksStoppedAfterEach, type Stack } from '../support/stack';
import { waitFor } from '../support/wait';
import { terminalEvents } from './terminal-states';

function publishMany(stack: Stack, path: string, count: number): Promise<string[]> {
  return stack.publishAll(Array.from({ length: count }, (_, n) => ({ destination: stack.sinkUrl(path), body: { n } })));
}

describe('crashes', () => {
  const startStack = stacksStoppedAfterEach();

  it('delivers everything after a dispatcher is killed with deliveries in flight', async () => {
    const stack = await startStack();
    const ids = await publishMany(stack, '/slow/300/crash', 300);
    // Kill it while it holds leases: some deliveries have arrived, many are in flight.
    await waitFor(async () => (await stack.sinkRequests()).length >= 50, { what: 'first deliveries' });
    await stack.dispatchers[0]!.kill9();
    const arrivedBeforeCrash = new Set((await stack.sinkRequests()).map((r) => r.messageId));
    expect(arrivedBeforeCrash.size).toBeLessThan(ids.length);

    await stack.addDispatcher();
    const views = await stack.waitForStates(ids, ['delivered'], 60_000);
    // The receiver may have had a message twice; its trail records one success, the last attempt.
    for (const view of views) {
      expect(view.attempts.filter((a: { statusCode?: number }) => a.statusCode === 200)).toEqual([view.attempts.at(-1)]);
    }

    const received = new Set((await stack.sinkRequests()).map((r) => r.messageId));
    for (const id of ids) expect(received.has(id)).toBe(true);
    const terminal = await terminalEvents(stack.redis.url);
    for (const id of ids) expect(terminal.get(id)).toEqual(['delivered']);
    // The crash hit deliveries in flight: their leases expired and they were sent again.
    const recovered = views.filter((view) => view.attempts.some((a: { error?: string }) => /lease expired/.test(a.error ?? '')));
    expect(recovered.length).toBeGreaterThan(0);
    for (const view of recovered) expect(view.attempts.at(-1)).toMatchObject({ statusCode: 200 });
  });

  describe('a dispatcher killed while it waited for work, so that a new message is handed to it', () => {
    /** Starts a stack whose only dispatcher is killed once it has registered as waiting. */
    async function stackWithDeadWaiter(): Promise<Stack> {
      const started = await startStack();
      const redis = new Redis(started.redis.url);
      try {
        await waitFor(async () => (await redis.keys('ferry:*:waiting')).length > 0, { what: 'the dispatcher waiting' });
      } finally {
        redis.disconnect();
      }
      await started.dispatchers[0]!.kill9();
      return started;
    }

    async function publishOne(s: Stack, path: string): Promise<string> {
      const [id] = await publishMany(s, path, 1);
      // Leased to the dead dispatcher on arrival.
      expect((await s.message(id!)).state).toBe('in_flight');
      return id!;
    }

    it('sends it from the next dispatcher, once', async () => {
      const stack = await stackWithDeadWaiter();
      const id = await publishOne(stack, '/ok/handed-to-the-dead');

      await stack.addDispatcher();
      const [view] = await stack.waitForStates([id], ['delivered'], 20_000);
      expect(view!.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200 })]);
      expect(await stack.sinkRequests(`?messageId=${id}`)).toHaveLength(1);
    });

    it('sends it after its lease expires when no dispatcher comes for a while', async () => {
      const stack = await stackWithDeadWaiter();
      const id = await publishOne(stack, '/ok/handed-to-the-dead-late');
      // The handoff list outlives no dispatcher by more than 5 s; the lease (7 s here) then
      // expires and the reaper puts the message back.
      await new Promise((resolve) => setTimeout(resolve, 5_500));

      await stack.addDispatcher();
      const [view] = await stack.waitForStates([id], ['delivered'], 20_000);
      expect(view!.attempts.at(-1)).toMatchObject({ statusCode: 200 });
      expect(view!.attempts.some((a: { error?: string }) => /lease expired/.test(a.error ?? ''))).toBe(true);
      expect(await stack.sinkRequests(`?messageId=${id}`)).toHaveLength(1);
    });
  });

  it('loses no accepted message when Redis is killed (appendfsync always)', async () => {
    const stack = await startStack({ redis: { appendfsync: 'always' }, dispatchers: 0 });
    const ids = await publishMany(stack, '/ok/durable', 500);
    await stack.redis.kill9();
    await stack.redis.start();

    await stack.addDispatcher();
    await stack.waitForStates(ids, ['delivered'], 60_000);
    const received = new Set((await stack.sinkRequests()).map((r) => r.messageId));
    expect(ids.filter((id) => !received.has(id))).toEqual([]);
  });
});
