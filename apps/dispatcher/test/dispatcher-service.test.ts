import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryLogger, createMetricsRegistry } from '@ferry/runtime';
import { getDestination, reapExpired, Store, updateDestination, type EnqueueRequest } from '@ferry/store';
import Redis from 'ioredis';
import { useRedis } from '../../../test/support/use-redis';
import { waitFor } from '../../../test/support/wait';
import { addressPolicy } from '../src/address-policy';
import { DispatcherService, type DispatcherOptions } from '../src/dispatcher-service';
import { createDeliveryAgent } from '../src/http-agent';
import { createDispatcherMetrics } from '../src/metrics';
import { SendPacer } from '../src/send-pacer';

/**
 * A receiver that answers every request (200, unless told otherwise) after holding it `holdMs`
 * (with Infinity, until told to answer), and notes each message id it got, and when.
 */
class SlowReceiver {
  readonly received: string[] = [];
  readonly arrivedAt: number[] = [];
  private readonly held: ServerResponse[] = [];
  private readonly server: Server;

  constructor(
    private readonly holdMs: number,
    answer: { status: number; headers?: Record<string, string> } = { status: 200 },
  ) {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        this.received.push(String(req.headers['ferry-message-id']));
        this.arrivedAt.push(performance.now());
        res.writeHead(answer.status, answer.headers);
        if (this.holdMs === Infinity) this.held.push(res);
        else setTimeout(() => res.end('ok'), this.holdMs);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Answers the oldest request still held. */
  answerOne(): void {
    this.held.shift()?.end('ok');
  }

  answerAll(): void {
    for (const res of this.held.splice(0)) res.end('ok');
  }

  async stop(): Promise<void> {
    this.answerAll();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A dispatcher running against slow receivers: what it does while every slot is busy. */
describe('DispatcherService with every slot busy', () => {
  const ctx = useRedis();
  let store: Store;
  let receiver: SlowReceiver;
  let dispatcher: DispatcherService | undefined;
  let agent: ReturnType<typeof createDeliveryAgent> | undefined;
  let reaper: NodeJS.Timeout | undefined;

  function startDispatcher(options: Pick<DispatcherOptions, 'concurrency' | 'claimBatch' | 'leaseMs' | 'deliveryTimeoutMs' | 'idleWaitSeconds'>): void {
    const policy = addressPolicy(true);
    agent = createDeliveryAgent({ connectionsPerOrigin: options.concurrency, policy });
    dispatcher = new DispatcherService({
      store,
      blocking: new Redis(ctx.server.url),
      agent,
      policy,
      outcomes: { backoff: { baseMs: 1_000, factor: 2, maxMs: 10_000 }, nonRetryableStatuses: new Set(), maxRetryAfterMs: 60_000 },
      metrics: createDispatcherMetrics(createMetricsRegistry({ service: 'test', collectDefault: false })),
      log: createMemoryLogger().log,
      destinationConcurrency: 100,
      excerptBytes: 100,
      drainTimeoutMs: 5_000,
      ...options,
    });
    dispatcher.start();
  }

  const message = (url: string): EnqueueRequest => ({ tenant: 'default', url, method: 'POST', headers: {}, body: 'x', maxAttempts: 3 });

  beforeEach(() => {
    store = new Store(ctx.redis, { prefix: 'ferry', shards: 1, eventsMaxLen: 1000, maxFreeAttempts: 5 });
  });
  afterEach(async () => {
    clearInterval(reaper);
    await dispatcher?.stop();
    dispatcher = undefined;
    await agent?.close();
    agent = undefined;
    await receiver?.stop();
  });

  it('checks and renews the lease of a delivery that waited for a slot, so it is sent once, not again by its next claimer', async () => {
    receiver = new SlowReceiver(2_000);
    const url = await receiver.start();
    const ids: string[] = [];
    for (let n = 0; n < 4; n++) ids.push((await store.enqueue(message(url))).id);
    const startCheck = jest.spyOn(store, 'startCheck');
    // The scheduler's part: leases that run out are taken back and the deliveries queued again.
    reaper = setInterval(() => void reapExpired(store, 0, 100), 100);
    // One slot, and up to two more deliveries leased ahead of it, under 5.8 s leases. The first
    // starts with all of its lease, plenty for a 2.7 s timeout and the outcome; the third and the
    // fourth start with about 1.8 s left, for a request that takes 2 s.
    startDispatcher({ concurrency: 1, claimBatch: 1, leaseMs: 5_800, deliveryTimeoutMs: 2_700 });

    await waitFor(async () => (await Promise.all(ids.map((id) => store.get(id)))).every((view) => view?.record.state === 'delivered'), {
      what: 'every delivery to be delivered',
      timeoutMs: 20_000,
    });
    expect([...receiver.received].sort()).toEqual([...ids].sort());
    // The first starts at once, unchecked; the others waited (2 s each) and were checked.
    const checked = startCheck.mock.calls.map(([lease]) => lease.id);
    expect(checked).not.toContain(ids[0]);
    expect(checked).toEqual(expect.arrayContaining([ids[1], ids[2], ids[3]]));
  });

  it('does not wait for hand-offs while every slot is busy, so an idle dispatcher gets them', async () => {
    receiver = new SlowReceiver(1_500);
    const url = await receiver.start();
    await store.enqueue(message(url));
    startDispatcher({ concurrency: 1, claimBatch: 1, leaseMs: 30_000, deliveryTimeoutMs: 15_000 });
    await waitFor(async () => receiver.received.length === 1, { what: 'the request that takes the one slot' });
    // Nothing left to claim and no slot free: it waits for the slot, not registered as waiting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await ctx.redis.scard(store.keys.waiting(0))).toBe(0);
    // Once the slot frees it waits for work again.
    await waitFor(async () => (await ctx.redis.scard(store.keys.waiting(0))) === 1, { what: 'the dispatcher to wait for work' });
  });

  it('sends a message handed to it while it waits with no check of its own in Redis', async () => {
    receiver = new SlowReceiver(0);
    const url = await receiver.start();
    startDispatcher({ concurrency: 4, claimBatch: 4, leaseMs: 30_000, deliveryTimeoutMs: 15_000 });
    await waitFor(async () => (await ctx.redis.scard(store.keys.waiting(0))) === 1, { what: 'the dispatcher to wait for work' });
    const startCheck = jest.spyOn(store, 'startCheck');
    await store.enqueue(message(url));
    await waitFor(async () => receiver.received.length === 1, { what: 'the message handed over' });
    // A hand-off is sent at once: a round trip more would be a round trip more of latency.
    expect(startCheck).not.toHaveBeenCalled();
  });

  it.each([
    ['with free attempts left (the delivery is deferred)', 5],
    ['with none left (the deferral is declined, and the delivery retried)', 0],
  ])('sends nothing more to a destination that answered 429 with Retry-After at once, %s', async (_, maxFreeAttempts) => {
    store = new Store(ctx.redis, { prefix: 'ferry', shards: 1, eventsMaxLen: 1000, maxFreeAttempts });
    receiver = new SlowReceiver(0, { status: 429, headers: { 'retry-after': '2' } });
    const url = await receiver.start();
    for (let n = 0; n < 4; n++) await store.enqueue(message(url));
    // One slot, the rest leased behind it: each would start a few ms after the one before.
    startDispatcher({ concurrency: 1, claimBatch: 4, leaseMs: 30_000, deliveryTimeoutMs: 15_000 });
    await waitFor(async () => receiver.received.length >= 1, { what: 'the first 429' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.received).toHaveLength(1);
  });

  it('does not claim in a loop while deliveries wait for a slot', async () => {
    receiver = new SlowReceiver(1_000);
    const url = await receiver.start();
    for (let n = 0; n < 2; n++) await store.enqueue(message(url));
    const claim = jest.spyOn(store, 'claim');
    startDispatcher({ concurrency: 1, claimBatch: 1, leaseMs: 30_000, deliveryTimeoutMs: 15_000 });

    await waitFor(async () => receiver.received.length === 1, { what: 'the first request' });
    const before = claim.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 700));
    // One slot, held for a second, the other delivery buffered behind it and room for more:
    // nothing is left to claim, so there is nothing to do but wait for the slot.
    expect(claim.mock.calls.length - before).toBeLessThanOrEqual(2);
  });

  it("holds a destination to its rate when the deliveries leased meanwhile start after every slot stayed busy", async () => {
    // Two destinations at 10 a second (no burst): their requests fill the slots and are held,
    // and one is answered every 100 ms, so the slots stay busy while the claims go on leasing
    // at the rate into the buffer (two batches). Then every request is answered at once.
    const receivers = [new SlowReceiver(Infinity), new SlowReceiver(Infinity)];
    try {
      for (const held of receivers) {
        const url = await held.start();
        await updateDestination(store, new URL(url).origin, { rate: 10 });
        for (let n = 0; n < 60; n++) await store.enqueue(message(url));
      }
      startDispatcher({ concurrency: 8, claimBatch: 8, leaseMs: 30_000, deliveryTimeoutMs: 15_000 });
      await waitFor(async () => receivers.every((held) => held.arrivedAt.length === 4), { what: 'the slots to fill' });
      for (let tick = 0; tick < 20; tick++) {
        receivers[tick % 2]!.answerOne();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const released = performance.now();
      for (const held of receivers) held.answerAll();
      await new Promise((resolve) => setTimeout(resolve, 350));

      for (const held of receivers) {
        const after = held.arrivedAt.filter((at) => at >= released);
        // 10 a second is one start every 100 ms: the first at once, then one more in each 100 ms.
        expect(after.filter((at) => at < released + 100).length).toBeLessThanOrEqual(2);
        expect(after.length).toBeGreaterThanOrEqual(2);
      }
    } finally {
      for (const held of receivers) await held.stop();
    }
  });

  it('goes on taking and sending other work while a delivery waits for its destination\'s rate', async () => {
    const rated = new SlowReceiver(Infinity);
    const other = new SlowReceiver(Infinity);
    try {
      const ratedUrl = await rated.start();
      const otherUrl = await other.start();
      await updateDestination(store, new URL(ratedUrl).origin, { rate: 10 });
      // The rated destination's next start stays a second away, as after a start that waited.
      let holding = true;
      const startIn = jest
        .spyOn(SendPacer.prototype, 'startIn')
        .mockImplementation((dest: string) => (holding && dest === new URL(ratedUrl).origin ? 1_000 : 0));
      await store.enqueue(message(ratedUrl));
      startDispatcher({ concurrency: 8, claimBatch: 8, leaseMs: 30_000, deliveryTimeoutMs: 15_000 });
      // The claim leases it and the buffer holds it, with every slot free.
      await waitFor(async () => startIn.mock.calls.length > 0, { what: 'the rated delivery to be held' });
      expect(rated.arrivedAt).toHaveLength(0);

      const enqueued = performance.now();
      await store.enqueue(message(otherUrl));
      await waitFor(async () => other.arrivedAt.length === 1, { what: 'the other destination\'s request', timeoutMs: 5_000 });
      // Held, the rated delivery would keep it waiting for nearly its lease (29 s).
      expect(other.arrivedAt[0]! - enqueued).toBeLessThan(2_000);
      expect(rated.arrivedAt).toHaveLength(0);

      holding = false;
      await waitFor(async () => rated.arrivedAt.length === 1, { what: 'the held request, once due' });
    } finally {
      jest.restoreAllMocks();
      await rated.stop();
      await other.stop();
    }
  });

  it('sends to a destination its rate parked as a message arrived at its next start, not when its idle wait ends', async () => {
    receiver = new SlowReceiver(0);
    const url = await receiver.start();
    await updateDestination(store, new URL(url).origin, { rate: 2 }); // a start every 500 ms
    startDispatcher({ concurrency: 8, claimBatch: 8, leaseMs: 30_000, deliveryTimeoutMs: 15_000, idleWaitSeconds: 3 });
    const waiting = async () => (await ctx.redis.scard(store.keys.waiting(0))) === 1;
    await waitFor(waiting, { what: 'the dispatcher to wait for work' });
    await store.enqueue(message(url));
    await waitFor(async () => receiver.arrivedAt.length === 1, { what: 'the first message' });
    await waitFor(waiting, { what: 'the dispatcher to wait again' });
    // Arriving 100 ms later, the second parks the destination until its next start: no claim
    // did, so only the wake-up it leaves tells a dispatcher when to look again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await store.enqueue(message(url));
    await waitFor(async () => receiver.arrivedAt.length === 2, { what: 'the second message', timeoutMs: 10_000 });
    expect(receiver.arrivedAt[1]! - receiver.arrivedAt[0]!).toBeLessThan(1_500);
  });

  it('keeps to a Retry-After once the delivery that got it has no free attempts left', async () => {
    store = new Store(ctx.redis, { prefix: 'ferry', shards: 1, eventsMaxLen: 1000, maxFreeAttempts: 0 });
    receiver = new SlowReceiver(0, { status: 429, headers: { 'retry-after': '30' } });
    const url = await receiver.start();
    const { id } = await store.enqueue(message(url));
    startDispatcher({ concurrency: 1, claimBatch: 1, leaseMs: 30_000, deliveryTimeoutMs: 15_000 });
    // The deferral is declined and the delivery retried, spending one of its attempts…
    await waitFor(async () => (await store.get(id))?.record.state === 'retrying', { what: 'the 429 to be recorded' });
    // …and the destination waits all the same: the next message is not sent.
    expect((await getDestination(store, new URL(url).origin))?.pausedUntil).toBeGreaterThan(Date.now() + 20_000);
    await store.enqueue(message(url));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received).toEqual([id]);
  });
});
