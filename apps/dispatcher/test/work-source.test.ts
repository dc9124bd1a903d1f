import { createMemoryLogger, createMetricsRegistry } from '@ferry/runtime';
import { Store, updateDestination, type ClaimedDelivery, type EnqueueRequest } from '@ferry/store';
import Redis from 'ioredis';
import { useRedis } from '../../../test/support/use-redis';
import { waitFor } from '../../../test/support/wait';
import { AckBatcher } from '../src/ack-batcher';
import { createDispatcherMetrics, type DispatcherMetrics } from '../src/metrics';
import { WorkSource, type WorkSourceOptions } from '../src/work-source';

/** Hand-off as a dispatcher sees it: deliveries that arrive while it waits reach it without a claim. */
describe('WorkSource hand-off', () => {
  const ctx = useRedis();
  let store: Store;
  let blocking: Redis;
  let metrics: DispatcherMetrics;
  let taken: ClaimedDelivery[];
  /** What each call to `take` was told about when its deliveries were leased and checked. */
  let takeCalls: Array<{ leasedSince: number; checkedSince: number | undefined }>;
  let source: WorkSource;
  let running: boolean;

  /** As the dispatcher stops it: no longer running, then stopped. */
  async function stop(): Promise<void> {
    running = false;
    await source.stop();
  }

  function createSource(options: Partial<WorkSourceOptions> = {}): WorkSource {
    return new WorkSource({
      store,
      blocking,
      acks: new AckBatcher(store),
      log: createMemoryLogger().log,
      claimBatch: 10,
      leaseMs: 30_000,
      destinationConcurrency: 10,
      idleWaitSeconds: 5,
      isRunning: () => running,
      take: (deliveries, leasedSince, checkedSince) => {
        taken.push(...deliveries);
        takeCalls.push({ leasedSince, checkedSince });
      },
      metrics,
      ...options,
    });
  }

  beforeEach(() => {
    store = new Store(ctx.redis, { prefix: 'ferry', shards: 2, eventsMaxLen: 1000, maxFreeAttempts: 2 });
    blocking = new Redis(ctx.server.url);
    metrics = createDispatcherMetrics(createMetricsRegistry({ service: 'test', collectDefault: false }));
    taken = [];
    takeCalls = [];
    running = true;
    source = createSource();
  });
  afterEach(stop);

  const message = (url: string): EnqueueRequest => ({ tenant: 'default', url, method: 'POST', headers: {}, body: 'x', maxAttempts: 3 });
  const handedOverCount = async () => (await metrics.handedOver.get()).values[0]?.value ?? 0;
  const registered = async () => (await ctx.redis.scard(store.keys.waiting(store.shardOfDestination('https://a.example')))) > 0;
  /** A destination whose shard is not `dest`'s. */
  const onTheOtherShard = (dest: string): string => {
    let other = 'https://b.example';
    for (let i = 0; store.shardOfDestination(other) === store.shardOfDestination(dest); i++) other = `https://b${i}.example`;
    return other;
  };

  it('takes a delivery that arrives while it waits, already leased, and counts it', async () => {
    const waiting = source.waitForWork();
    await waitFor(registered, { what: 'the registration' });
    const { id, state } = await store.enqueue(message('https://a.example/hook'));
    expect(state).toBe('in_flight');
    await waiting;
    expect(taken.map((d) => [d.id, d.attempt, d.body?.toString()])).toEqual([[id, 1, 'x']]);
    expect(await handedOverCount()).toBe(1);
  });

  it('still takes a hand-over that arrives after its wait gave way to a parked destination', async () => {
    // A destination at its rate: the claim parks it for about a second, and the wait ends then,
    // while the blocking wait on the lists runs on (5 s).
    await updateDestination(store, 'https://slow.example', { rate: 1, burst: 1 });
    await store.enqueueMany([message('https://slow.example/1'), message('https://slow.example/2')]);
    expect(await source.claim(10)).toBe(1);
    await source.waitForWork(); // the wake-up token the enqueue left
    expect(await source.claim(10)).toBe(0);
    taken = [];
    const started = Date.now();
    await source.waitForWork();
    expect(Date.now() - started).toBeGreaterThan(200);
    expect(Date.now() - started).toBeLessThan(3_000);

    const { id, state } = await store.enqueue(message('https://a.example/late'));
    expect(state).toBe('in_flight');
    await waitFor(async () => taken.length > 0, { what: 'the hand-over to be taken' });
    expect(taken.map((d) => d.id)).toEqual([id]);
  });

  // Parked times are Redis's clock. A dispatcher whose own clock ran ahead used to claim in a
  // loop until Redis caught up; one behind waited its lag on top.
  it.each([
    ['ahead', 3_000],
    ['behind', -3_000],
  ])('waits for a parked destination by Redis’s clock, with its own clock %s', async (_, offsetMs) => {
    await updateDestination(store, 'https://slow.example', { rate: 1, burst: 1 });
    await store.enqueueMany([message('https://slow.example/1'), message('https://slow.example/2')]);
    expect(await source.claim(10)).toBe(1);
    const realNow = Date.now.bind(Date);
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
    try {
      const started = performance.now();
      let rounds = 0;
      while (taken.length < 2 && performance.now() - started < 8_000) {
        await source.waitForWork();
        await source.claim(10);
        rounds++;
      }
      const elapsed = performance.now() - started;
      expect(taken).toHaveLength(2);
      // The second may start a second after the first: not before, and not seconds after.
      expect(elapsed).toBeGreaterThan(500);
      expect(elapsed).toBeLessThan(2_500);
      expect(rounds).toBeLessThanOrEqual(6);
    } finally {
      clock.mockRestore();
    }
  });

  it("remembers a shard's parked destination through a claim round that skips the shard", async () => {
    // Two destinations on different shards; the first is held to one start every 500 ms.
    const slow = 'https://slow.example';
    const other = onTheOtherShard(slow);
    await updateDestination(store, slow, { rate: 2, burst: 1 });
    await store.enqueueMany([message(`${slow}/1`), message(`${slow}/2`)]);
    expect(await source.claim(10)).toBe(1);
    expect(await source.claim(10)).toBe(0); // the slow destination is parked now
    // A wake-up for the other shard only (the enqueue's own is gone): the claim after it skips
    // the slow one's shard, which had nothing a moment ago.
    await ctx.redis.del(store.keys.wake(store.shardOfDestination(slow)));
    await ctx.redis.rpush(store.keys.wake(store.shardOfDestination(other)), other);
    await source.waitForWork();
    expect(await source.claim(10)).toBe(0);

    // The next wait ends when the slow destination may send again, not after the 5 s idle wait.
    const started = Date.now();
    await source.waitForWork();
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitFor(async () => (await source.claim(10)) === 1, { what: 'the slow destination\'s second delivery' });
  });

  it('claims a shard whose parked destination may send again while busy rounds still skip the shard', async () => {
    // Skipped for 10 s once its claim finds nothing; its destination is held to one start every 500 ms.
    source = createSource({ idleShardSkipMs: 10_000 });
    const slow = 'https://slow.example';
    const busy = onTheOtherShard(slow);
    await updateDestination(store, slow, { rate: 2, burst: 1 });
    await store.enqueueMany([message(`${slow}/1`), message(`${slow}/2`), ...[1, 2, 3].map((i) => message(`${busy}/${i}`))]);
    expect(await source.claim(1)).toBe(2);
    expect(await source.claim(1)).toBe(1); // the busy one's: the slow destination is parked now
    await new Promise((resolve) => setTimeout(resolve, 700));

    taken = [];
    expect(await source.claim(1)).toBe(2);
    expect(taken.map((d) => d.url).sort()).toEqual([`${busy}/3`, `${slow}/2`]);
  });

  it('claims a shard again at once when a wake-up for it came while its claim found nothing', async () => {
    source = createSource({ idleShardSkipMs: 10_000 });
    const quiet = 'https://quiet.example';
    const busy = onTheOtherShard(quiet);
    await store.enqueueMany([1, 2, 3].map((i) => message(`${busy}/${i}`)));
    // A message for the quiet shard arrives just after its claim looked, and the wake-up the
    // enqueue leaves is read (as the blocking wait would) before the claim answers.
    const claimOnce = store.claim.bind(store);
    let arrived: string | undefined;
    jest.spyOn(store, 'claim').mockImplementation(async (shard, options) => {
      const batch = await claimOnce(shard, options);
      if (shard === store.shardOfDestination(quiet) && arrived === undefined) {
        arrived = (await store.enqueue(message(`${quiet}/1`))).id;
        source['onSignal']({ kind: 'wake', shard, dest: quiet });
      }
      return batch;
    });
    expect(await source.claim(1)).toBe(1); // the busy one's; the quiet shard had nothing yet

    taken = [];
    expect(await source.claim(1)).toBe(2);
    expect(taken.map((d) => d.id)).toContain(arrived);
  });

  it('does not wait for work when a wake-up came while a claim round that found nothing ran', async () => {
    const quiet = 'https://quiet.example';
    const shard = store.shardOfDestination(quiet);
    // The message arrives just after its shard's claim looked; its wake-up token is read (as the
    // blocking wait would, taking it from Redis) before the round answers.
    const claimOnce = store.claim.bind(store);
    let arrived = false;
    jest.spyOn(store, 'claim').mockImplementation(async (claimed, options) => {
      const batch = await claimOnce(claimed, options);
      if (claimed === shard && !arrived) {
        arrived = true;
        await store.enqueue(message(`${quiet}/1`));
        await ctx.redis.del(store.keys.wake(shard));
        source['onSignal']({ kind: 'wake', shard, dest: quiet });
      }
      return batch;
    });
    expect(await source.claim(10)).toBe(0);
    const started = Date.now();
    await source.waitForWork(); // the idle wait is 5 s
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await source.claim(10)).toBe(1);
  });

  it('stops being handed deliveries once it stops waiting, and takes those handed over before', async () => {
    const waiting = source.waitForWork();
    await waitFor(registered, { what: 'the registration' });
    // A wake-up token ends the wait; the registration stays, as between two waits.
    await ctx.redis.rpush(store.keys.wake(0), 'https://b.example');
    await waiting;
    const early = await store.enqueue(message('https://a.example/early'));
    expect(early.state).toBe('in_flight');
    expect(taken).toEqual([]);

    // Every slot busy: the dispatcher looks for no work for a while.
    source.stopWaiting();
    await waitFor(async () => taken.length > 0, { what: 'the delivery handed over before to be taken' });
    expect(taken.map((d) => d.id)).toEqual([early.id]);
    // It may have waited there for seconds: it is to be checked for a pause before it starts.
    expect(takeCalls).toEqual([{ leasedSince: expect.any(Number), checkedSince: takeCalls[0]!.leasedSince }]);
    expect(performance.now() - takeCalls[0]!.leasedSince).toBeGreaterThanOrEqual(250);
    expect(await registered()).toBe(false);
    expect((await store.enqueue(message('https://a.example/late'))).state).toBe('ready');
    expect(taken).toHaveLength(1);
  });

  it('is handed nothing once stopped', async () => {
    const waiting = source.waitForWork();
    await waitFor(registered, { what: 'the registration' });
    await stop();
    await waiting;
    expect((await store.enqueue(message('https://a.example/after'))).state).toBe('ready');
    expect(taken).toEqual([]);
  });
});
