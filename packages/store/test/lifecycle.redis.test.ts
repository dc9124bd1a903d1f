import Redis from 'ioredis';
import { eventTimes, promoteDue, Store, StoreError, StoreErrorCode } from '../src';
import { waitFor } from '../../../test/support/wait';
import { claim, claimOne, failed, message, outcome, useStore, withEnqueueRepliesLost, withEnqueuesResent } from './fixtures';

describe('delivery lifecycle in the store', () => {
  const ctx = useStore();

  it('enqueues, leases and acks a delivery, keeping the attempt on its trail', async () => {
    const { store, redis } = ctx;
    const { id, state } = await store.enqueue(message({ headers: { 'x-a': '1' }, body: 'line1\nline2' }));
    expect(state).toBe('ready');

    const delivery = await claimOne(store);
    expect(delivery).toMatchObject({ id, attempt: 1, dest: 'https://a.example', url: 'https://a.example/hook' });
    expect(delivery.body).toEqual(Buffer.from('line1\nline2'));
    expect(delivery.headers).toEqual({ 'x-a': '1' });
    expect((await store.get(id))?.record.state).toBe('in_flight');
    expect(await redis.hget(store.keys.dest(0, 'https://a.example'), 'inflight')).toBe('1');

    await store.ack(delivery, { startedAt: Date.now(), durationMs: 8, statusCode: 204, responseExcerpt: 'fine' });
    const view = await store.get(id);
    expect(view?.record.state).toBe('delivered');
    expect(view?.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 204, durationMs: 8, responseExcerpt: 'fine' })]);
    expect(await redis.zcard(store.keys.leases(0))).toBe(0);
    expect(await redis.exists(store.keys.dest(0, 'https://a.example'))).toBe(0);
    expect(await claim(store)).toEqual([]);
  });

  it('keeps a record and its envelope intact through rewrites, whatever characters they hold', async () => {
    const { store } = ctx;
    // The scripts write the record line with string.format and read it with patterns, to both
    // of which '%' is special; bodies carry newlines after the record's own.
    const sent = message({ tenant: 't%1', orderingKey: 'k%0%%', headers: { 'x-pct': '%1' }, body: '%0\nline2|%' });
    const { id } = await store.enqueue(sent);
    const first = await claimOne(store);
    expect(first).toMatchObject({ tenant: 't%1', orderingKey: 'k%0%%', headers: { 'x-pct': '%1' }, body: Buffer.from('%0\nline2|%') });
    await store.release(first);
    const second = await claimOne(store);
    expect(second).toMatchObject({ attempt: 2, headers: { 'x-pct': '%1' }, body: Buffer.from('%0\nline2|%') });
    await store.ack(second, outcome());
    const view = await store.get(id);
    expect(view?.record).toMatchObject({ state: 'delivered', attempt: 2, tenant: 't%1', orderingKey: 'k%0%%' });
    expect(view?.envelope).toMatchObject({ url: sent.url, method: 'POST', headers: { 'x-pct': '%1' }, orderingKey: 'k%0%%' });
  });

  it('keeps what a delivered message was sent with but not its body; a dead letter keeps its body', async () => {
    const { store, redis } = ctx;
    const body = 'x'.repeat(4096);
    const delivered = await store.enqueue(message({ url: 'https://a.example/ok', body }));
    const dead = await store.enqueue(message({ url: 'https://b.example/dead', body, maxAttempts: 1 }));
    const [ok, bad] = await claim(store);
    await store.ack(ok!, outcome());
    expect(await store.retry(bad!, outcome(500), failed(0, true))).toBe('failed');

    expect((await store.get(delivered.id))?.envelope).toEqual({
      tenant: 'default', url: 'https://a.example/ok', method: 'POST', headers: { 'content-type': 'application/json' }, body: '',
    });
    expect(await redis.hstrlen(store.keys.deliveries(0), delivered.id)).toBeLessThan(300);
    expect((await store.get(dead.id))?.envelope.body).toBe(body);
  });

  it('shows a leased delivery in flight, though the claim leaves its record as it was', async () => {
    const { store, redis } = ctx;
    const { id } = await store.enqueue(message());
    const before = await redis.hget(store.keys.deliveries(0), id);
    const claimedAt = Date.now();
    const leased = await claimOne(store);
    expect(await redis.hget(store.keys.deliveries(0), id)).toBe(before);

    const view = await store.get(id);
    expect(view?.record).toMatchObject({ state: 'in_flight', attempt: 1 });
    expect(view?.record.updatedAt).toBeGreaterThanOrEqual(claimedAt - 1_000);
    await expect(store.cancel(id)).rejects.toMatchObject({ code: StoreErrorCode.NotCancellable });
    expect(await claim(store)).toEqual([]);

    await store.ack(leased, outcome());
    expect((await store.get(id))?.record).toMatchObject({ state: 'delivered', attempt: 1 });
    expect(await redis.hlen(store.keys.inflight(0))).toBe(0);
  });

  it('hands a claim the body as the bytes that were published, whatever their encoding', async () => {
    const { store } = ctx;
    const body = 'naïve café ✓ 😀\r\n\u0000end';
    await store.enqueue(message({ body }));
    await store.enqueue(message({ body: '' }));
    await store.enqueue(message({ method: 'GET', body: undefined }));
    const [text, empty, none] = await claim(store);
    expect(text!.body).toEqual(Buffer.from(body, 'utf8'));
    expect(empty!.body).toEqual(Buffer.alloc(0));
    expect(none!.body).toBeUndefined();
  });

  it('acks a batch in one call, refusing only the stale items', async () => {
    const { store } = ctx;
    await store.enqueue(message({ url: 'https://a.example/1' }));
    await store.enqueue(message({ url: 'https://b.example/1', orderingKey: 'k' }));
    await store.enqueue(message({ url: 'https://b.example/2', orderingKey: 'k' }));
    const [a, b] = await claim(store);
    const results = await store.ackMany([
      { lease: a!, outcome: outcome() },
      { lease: { ...b!, attempt: 7 }, outcome: outcome() },
      { lease: b!, outcome: outcome() },
    ]);
    expect(results.map((r) => r?.code)).toEqual([undefined, StoreErrorCode.StaleLease, undefined]);
    expect((await store.get(a!.id))?.record.state).toBe('delivered');
    expect((await store.get(b!.id))?.record.state).toBe('delivered');
    // The ordering key moved on: the second message of key k is ready now.
    expect((await claim(store)).map((d) => d.url)).toEqual(['https://b.example/2']);
  });

  it('refuses an outcome from a stale lease token', async () => {
    const { store } = ctx;
    await store.enqueue(message());
    const delivery = await claimOne(store);
    await expect(store.ack({ ...delivery, attempt: delivery.attempt + 1 }, outcome())).rejects.toMatchObject({
      code: StoreErrorCode.StaleLease,
    });
    await store.release(delivery);
    const again = await claimOne(store);
    expect(again.attempt).toBe(2);
    // The first holder comes back late: both its ack and its retry are refused.
    await expect(store.ack(delivery, outcome())).rejects.toBeInstanceOf(StoreError);
    await expect(store.retry(delivery, outcome(500), failed(0, false))).rejects.toMatchObject({
      code: StoreErrorCode.StaleLease,
    });
    await store.ack(again, outcome());
    expect((await store.get(again.id))?.record.state).toBe('delivered');
  });

  it('refuses a deferral or a release from a stale lease token, changing nothing', async () => {
    const { store } = ctx;
    await store.enqueue(message());
    const first = await claimOne(store);
    await store.release(first);
    const again = await claimOne(store);
    await expect(store.defer(first, outcome(429), { waitMs: 1_000, summary: 'HTTP 429' })).rejects.toMatchObject({ code: StoreErrorCode.StaleLease });
    await expect(store.release(first)).rejects.toMatchObject({ code: StoreErrorCode.StaleLease });
    expect((await store.get(again.id))?.record).toMatchObject({ state: 'in_flight', attempt: 2 });
    await store.ack(again, outcome());
  });

  it('keeps the attempt a release hands back on the trail, without spending a retry', async () => {
    const { store } = ctx;
    const { id } = await store.enqueue(message({ maxAttempts: 1 }));
    const first = await claimOne(store);
    await store.release(first, { ...outcome(), statusCode: undefined, error: 'handed back at shutdown' });
    const second = await claimOne(store);
    await store.ack(second, outcome());
    const view = await store.get(id);
    expect(view?.record.state).toBe('delivered');
    expect(view?.attempts.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, undefined, 'handed back at shutdown'],
      [2, 200, undefined],
    ]);
  });

  it('retries with back-off until the attempts are spent, then dead-letters', async () => {
    const { store, redis } = ctx;
    const { id } = await store.enqueue(message({ maxAttempts: 3 }));
    for (let attempt = 1; attempt <= 2; attempt++) {
      const delivery = await claimOne(store);
      expect(delivery.attempt).toBe(attempt);
      expect(await store.retry(delivery, outcome(500), failed(30, false))).toBe('retrying');
      const view = await store.get(id);
      expect(view?.record.state).toBe('retrying');
      expect(view?.nextAttemptAt).toBeGreaterThan(Date.now() - 1000);
      expect(await claim(store, 1)).toEqual([]);
      await waitFor(async () => (await promoteDue(store, 0, 100)).promoted === 1, { what: 'promotion' });
    }
    const last = await claimOne(store);
    expect(await store.retry(last, outcome(503), failed(30, false))).toBe('failed');
    const view = await store.get(id);
    expect(view?.record.state).toBe('failed');
    expect(view?.attempts.map((a) => a.statusCode)).toEqual([500, 500, 503]);
    expect(await redis.zscore(store.keys.dlq(0), id)).not.toBeNull();
    expect(await redis.zcard(store.keys.due(0))).toBe(0);
  });

  it('dead-letters at once on a final failure', async () => {
    const { store } = ctx;
    const { id } = await store.enqueue(message({ maxAttempts: 5 }));
    const delivery = await claimOne(store);
    expect(await store.retry(delivery, outcome(410), failed(1000, true))).toBe('failed');
    expect((await store.get(id))?.record.state).toBe('failed');
  });

  it('holds a delayed delivery until it is due', async () => {
    const { store } = ctx;
    const { id, state } = await store.enqueue(message({ delayMs: 300 }));
    expect(state).toBe('scheduled');
    const first = await promoteDue(store, 0, 100);
    expect(first.promoted).toBe(0);
    expect(first.nextDueAt).toBeGreaterThan(first.now);
    expect(first.nextDueAt! - first.now).toBeLessThanOrEqual(300);
    expect(await claim(store, 1)).toEqual([]);
    await waitFor(async () => (await promoteDue(store, 0, 100)).promoted === 1, { what: 'promotion' });
    expect((await claimOne(store)).id).toBe(id);
  });

  it('honours notBefore', async () => {
    const { store } = ctx;
    const { state } = await store.enqueue(message({ notBefore: Date.now() + 60_000 }));
    expect(state).toBe('scheduled');
    expect((await store.enqueue(message({ notBefore: Date.now() - 60_000 }))).state).toBe('ready');
  });

  it('cancels deliveries that have not started, and only those', async () => {
    const { store, redis } = ctx;
    const ready = await store.enqueue(message());
    const scheduled = await store.enqueue(message({ delayMs: 60_000 }));
    await store.cancel(ready.id);
    await store.cancel(scheduled.id);
    expect((await store.get(ready.id))?.record.state).toBe('cancelled');
    expect(await redis.zcard(store.keys.due(0))).toBe(0);
    // The cancelled entry still in the ready list is dropped by the claim.
    expect(await claim(store)).toEqual([]);

    await expect(store.cancel(ready.id)).rejects.toMatchObject({ code: StoreErrorCode.NotCancellable });
    await store.enqueue(message());
    const inFlight = await claimOne(store);
    await expect(store.cancel(inFlight.id)).rejects.toMatchObject({ code: StoreErrorCode.NotCancellable });
    await expect(store.cancel('msg_0_doesnotexist00')).rejects.toMatchObject({ code: StoreErrorCode.NotFound });
    await expect(store.cancel('garbage')).rejects.toMatchObject({ code: StoreErrorCode.NotFound });
  });

  it('enqueues a batch in one call per shard, refusing only a duplicate', async () => {
    const { store } = ctx;
    const first = await store.enqueue(message());
    const results = await store.enqueueMany([
      message({ url: 'https://a.example/1' }),
      message({ id: first.id }),
      message({ url: 'https://b.example/1', delayMs: 60_000 }),
      message({ url: 'https://b.example/1', orderingKey: 'k' }),
      message({ url: 'https://b.example/2', orderingKey: 'k' }),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.state : (r.reason as StoreError).code))).toEqual([
      'ready',
      StoreErrorCode.DuplicateId,
      'scheduled',
      'ready',
      'waiting',
    ]);
    expect(await claim(store)).toHaveLength(3);
  });

  it('keeps each message of a batch to its own settings when they share a destination', async () => {
    const { store } = ctx;
    const notBefore = Date.now() + 120_000;
    const sent = [
      message({ maxAttempts: 2, body: 'a' }),
      message({ maxAttempts: 7, body: 'b' }),
      message({ maxAttempts: 2, delayMs: 60_000, body: 'c' }),
      message({ maxAttempts: 2, notBefore, body: 'd' }),
      message({ maxAttempts: 2, tenant: 'other', body: 'e' }),
      message({ maxAttempts: 2, orderingKey: 'k', body: 'f' }),
      message({ maxAttempts: 2, body: 'g' }),
    ];
    const results = await store.enqueueMany(sent);
    const ids = results.map((r) => (r.status === 'fulfilled' ? r.value.id : ''));
    const views = await Promise.all(ids.map((id) => store.get(id)));
    expect(views.map((v) => [v?.record.maxAttempts, v?.record.state, v?.record.tenant, v?.record.orderingKey, v?.envelope.body])).toEqual([
      [2, 'ready', 'default', '', 'a'],
      [7, 'ready', 'default', '', 'b'],
      [2, 'scheduled', 'default', '', 'c'],
      [2, 'scheduled', 'default', '', 'd'],
      [2, 'ready', 'other', '', 'e'],
      [2, 'ready', 'default', 'k', 'f'],
      [2, 'ready', 'default', '', 'g'],
    ]);
    expect(views[2]!.record.dueAt).toBeGreaterThanOrEqual(Date.now() + 50_000);
    expect(views[2]!.record.dueAt).toBeLessThan(notBefore - 30_000);
    expect(views[3]!.record.dueAt).toBe(notBefore);
  });

  it('reports what a batch stored, in its state, when the reply to the enqueue is lost', async () => {
    const { store } = ctx;
    const results = await withEnqueueRepliesLost(store, () =>
      store.enqueueMany([
        message({ url: 'https://a.example/1' }),
        message({ url: 'https://a.example/1', delayMs: 60_000 }),
        message({ url: 'https://a.example/1', orderingKey: 'k' }),
        message({ url: 'https://a.example/1', orderingKey: 'k' }),
      ]),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.state : r.reason))).toEqual(['ready', 'scheduled', 'ready', 'waiting']);
  });

  it('reports what a batch stored, once each, when its enqueue is sent again after a reconnect', async () => {
    const { store } = ctx;
    const taken = await store.enqueue(message());
    const results = await withEnqueuesResent(store, () =>
      store.enqueueMany([
        message({ url: 'https://a.example/1' }),
        message({ url: 'https://a.example/1', delayMs: 60_000 }),
        message({ url: 'https://a.example/1', orderingKey: 'k' }),
        message({ url: 'https://a.example/1', orderingKey: 'k' }),
        message({ id: taken.id }),
      ]),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.state : (r.reason as StoreError).code))).toEqual([
      'ready',
      'scheduled',
      'ready',
      'waiting',
      StoreErrorCode.DuplicateId,
    ]);
    expect(await claim(store)).toHaveLength(3); // the first one, the batch's first and its first of 'k'
  });

  it('refuses the messages of a batch whose enqueue never reached Redis', async () => {
    const { store } = ctx;
    const failed = jest.spyOn(store.redis, 'ferryEnqueue').mockRejectedValue(new Error('connection refused'));
    try {
      const results = await store.enqueueMany([message(), message({ delayMs: 60_000 })]);
      expect(results.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['connection refused', 'connection refused']);
      expect(await claim(store)).toHaveLength(0);
    } finally {
      failed.mockRestore();
    }
  });

  it('refuses a duplicate id', async () => {
    const { store } = ctx;
    const { id } = await store.enqueue(message());
    await expect(store.enqueue(message({ id }))).rejects.toMatchObject({ code: StoreErrorCode.DuplicateId });
  });

  it('logs every state change to the shard event stream', async () => {
    const { store, redis } = ctx;
    const { id } = await store.enqueue(message());
    await store.ack(await claimOne(store), outcome());
    const entries = await redis.xrange(store.keys.events(0), '-', '+');
    const kinds = entries.map(([, fields]) => fields[1]);
    expect(kinds).toEqual(['accepted', 'leased', 'delivered']);
    expect(entries.every(([, fields]) => fields[3] === id)).toBe(true);
  });

  it('logs the next delivery of an ordering key as ready when the one before it finishes', async () => {
    const { store, redis } = ctx;
    await store.enqueue(message({ orderingKey: 'k' }));
    const { id: next } = await store.enqueue(message({ orderingKey: 'k' }));
    await store.ack(await claimOne(store), outcome());
    expect((await store.get(next))?.record.state).toBe('ready');
    const entries = await redis.xrange(store.keys.events(0), '-', '+');
    expect(entries.filter(([, fields]) => fields[3] === next).map(([, fields]) => fields[1])).toEqual(['accepted', 'ready']);
    // In the stream's order: the one before it finished first.
    expect(entries.map(([, fields]) => fields[1]).slice(-2)).toEqual(['delivered', 'ready']);
  });

  it('logs a batch as one entry that names each delivery and its attempt', async () => {
    const { store, redis } = ctx;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await store.enqueue(message())).id);
    const leased = await claim(store);
    expect(leased).toHaveLength(3);
    await store.ackMany(leased.map((lease) => ({ lease, outcome: outcome() })));
    const entries = await redis.xrange(store.keys.events(0), '-', '+');
    const batches = entries.map(([, fields]) => fields).filter((fields) => fields[1] !== 'accepted');
    expect(batches.map((fields) => fields[1])).toEqual(['leased', 'delivered']);
    for (const fields of batches) {
      expect(fields.slice(2)).toEqual(ids.flatMap((id) => ['id', id, 'a', '1']));
    }
  });

  it('splits a large batch into stream entries of at most 16 deliveries, so a trimmed stream stays small', async () => {
    const { store, redis } = ctx;
    const settled = await store.enqueueMany(Array.from({ length: 40 }, () => message()));
    const ids = settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.id : ''));
    const entries = await redis.xrange(store.keys.events(0), '-', '+');
    const named = entries.map(([, fields]) => fields.filter((_, i) => i % 2 === 0 && fields[i] === 'id').length);
    expect(named).toEqual([16, 16, 8]);
    expect(entries.flatMap(([, fields]) => fields.filter((_, i) => i > 0 && fields[i - 1] === 'id'))).toEqual(ids);
  });

  it('reads when each delivery first had an event of a kind, by the Redis clock', async () => {
    const { store } = ctx;
    const before = Date.now();
    const [{ id: a }, { id: b }] = [await store.enqueue(message()), await store.enqueue(message())];
    const first = await claimOne(store);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.release(first);
    await claim(store);
    const after = Date.now();

    const accepted = await eventTimes(store, 'accepted');
    expect([...accepted.keys()].sort()).toEqual([a, b].sort());
    for (const at of accepted.values()) expect(at).toBeGreaterThanOrEqual(before - 5);
    const leased = await eventTimes(store, 'leased');
    // Leased twice; the first time counts.
    expect(leased.get(first.id)).toBeLessThan(after - 15);
    expect((await eventTimes(store, 'delivered')).size).toBe(0);
  });

  it('takes an ack sent again after it was recorded (a resend after a reconnect) as done, writing nothing twice', async () => {
    const { store } = ctx;
    await store.enqueue(message());
    const [lease] = await claim(store);
    await store.ack(lease!, outcome());
    await expect(store.ack(lease!, outcome())).resolves.toBeUndefined();
    expect((await store.get(lease!.id))?.attempts).toHaveLength(1);
    // Another attempt's ack is still refused.
    await expect(store.ack({ ...lease!, attempt: lease!.attempt + 1 }, outcome())).rejects.toMatchObject({ code: StoreErrorCode.StaleLease });
  });

  it('takes a retry sent again after it was recorded as retrying as done, writing nothing twice', async () => {
    const { store } = ctx;
    await store.enqueue(message());
    const [lease] = await claim(store);
    expect(await store.retry(lease!, outcome(500), failed(60_000, false))).toBe('retrying');
    await expect(store.retry(lease!, outcome(500), failed(60_000, false))).resolves.toBe('retrying');
    expect((await store.get(lease!.id))?.attempts).toHaveLength(1);
  });

  it('refuses a delivery named twice in one ack batch the second time', async () => {
    const { store } = ctx;
    await store.enqueue(message());
    const [lease] = await claim(store);
    const results = await store.ackMany([
      { lease: lease!, outcome: outcome() },
      { lease: lease!, outcome: outcome() },
    ]);
    expect(results.map((r) => r?.code)).toEqual([undefined, StoreErrorCode.StaleLease]);
    expect((await store.get(lease!.id))?.attempts).toHaveLength(1);
    expect(await ctx.redis.hget(store.keys.backlog(0), 'default')).toBeNull();
  });

  it('wakes a blocked dispatcher when work arrives', async () => {
    const { redis, server } = ctx;
    const store = new Store(redis, { ...ctx.store.options, shards: 4 });
    const blocking = new Redis(server.url);
    try {
      const woken = store.waitForWork(blocking, 5);
      await store.enqueue(message({ url: 'https://b.example/x' }));
      expect(await woken).toEqual({ kind: 'wake', shard: store.shardOfDestination('https://b.example'), dest: 'https://b.example' });
    } finally {
      blocking.disconnect();
    }
  });

  it('refuses to run with a shard count other than the keyspace was made with', async () => {
    const { store, redis } = ctx;
    await store.ensureShardCount();
    const other = new Store(redis, { ...store.options, shards: 8 });
    await expect(other.ensureShardCount()).rejects.toThrow(/FERRY_SHARDS is 8 .* created with 1 shards/);
  });
});
