import { MessageStatus } from '@ferry/contracts';
import type { ClaimedDelivery } from '@ferry/store';
import { call, expectError, PUBLIC_IP, storedCount, useIngest } from './support/ingest-harness';

const ingest = useIngest();

const DEST = 'https://hooks.example.test/orders';

async function publish(message: Record<string, unknown>): Promise<string> {
  const answer = await call(ingest.base, 'POST', '/v1/messages', message);
  expect(answer.status).toBe(202);
  const { messageId } = answer.body as { messageId: string };
  expect(answer.body).toEqual({ messageId: expect.stringMatching(/^msg_[0-9a-z]+_[0-9a-z]+$/) });
  return messageId;
}

async function status(id: string): Promise<MessageStatus> {
  const answer = await call(ingest.base, 'GET', `/v1/messages/${id}`);
  expect(answer.status).toBe(200);
  return MessageStatus.parse(answer.body);
}

async function envelope(id: string) {
  const view = await ingest.store.get(id);
  if (view === undefined) throw new Error(`${id} is not in Redis`);
  return view.envelope;
}

describe('POST /v1/messages', () => {
  it('answers 202 with an id only once the message is in Redis, ready, with no attempts', async () => {
    const before = Date.now();
    const id = await publish({ destination: DEST, body: { order: 42 } });
    const shown = await status(id);
    expect(shown).toMatchObject({ messageId: id, state: 'ready', destination: DEST, method: 'POST', maxAttempts: 6, attempts: [] });
    expect(shown.nextAttemptAt).toBeUndefined();
    expect(Date.parse(shown.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
    expect(shown.updatedAt).toBe(shown.createdAt);
  });

  it('stores a JSON body as application/json, with header names lower-cased', async () => {
    const id = await publish({ destination: DEST, body: { a: [1, 'two', null] }, headers: { 'X-Trace': 't-1' } });
    expect(await envelope(id)).toEqual({
      tenant: 'default',
      url: DEST,
      method: 'POST',
      headers: { 'x-trace': 't-1', 'content-type': 'application/json' },
      body: '{"a":[1,"two",null]}',
    });
  });

  it('keeps a JSON body as the sender wrote it: digits, spacing and key order', async () => {
    // Parsed and serialised again, this would lose the integer's last digits, 1.50's zero and the key order.
    const body = '{ "id": 12345678901234567890, "price": 1.50,\n  "b": "\\u00e9", "2": 0, "1": [1e2] }';
    const raw = `{"destination":"${DEST}","body":${body}}`;
    for (const contentType of ['application/json', 'application/json;charset=UTF-8']) {
      // The first takes the fast path, the second the express route.
      const answer = await call(ingest.base, 'POST', '/v1/messages', raw, { 'content-type': contentType });
      expect(answer.status).toBe(202);
      expect((await envelope((answer.body as { messageId: string }).messageId)).body).toBe(body);
    }
  });

  it('serialises a JSON body sent in a charset other than UTF-8', async () => {
    const raw = Buffer.from(`{"destination":"${DEST}","body":{ "price": 1.50 }}`, 'utf16le');
    const res = await fetch(`${ingest.base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-16le' }, body: raw });
    expect(res.status).toBe(202);
    expect((await envelope(((await res.json()) as { messageId: string }).messageId)).body).toBe('{"price":1.5}');
  });

  it("sends a string body as it is, with the sender's content type", async () => {
    const csv = 'id,total\n1,"9.50"\n';
    const id = await publish({ destination: DEST, body: csv, headers: { 'Content-Type': 'text/csv' } });
    expect(await envelope(id)).toMatchObject({ body: csv, headers: { 'content-type': 'text/csv' } });
  });

  it('defaults a string body to text/plain and keeps a JSON body under a content type the sender chose', async () => {
    const text = await publish({ destination: DEST, body: 'hello' });
    expect((await envelope(text)).headers).toEqual({ 'content-type': 'text/plain; charset=utf-8' });
    const cloudEvent = await publish({ destination: DEST, body: { x: 1 }, headers: { 'content-type': 'application/cloudevents+json' } });
    expect((await envelope(cloudEvent)).headers).toEqual({ 'content-type': 'application/cloudevents+json' });
  });

  it('stores no body and no content type for a GET, and the method on the status', async () => {
    const id = await publish({ destination: `${DEST}?since=1`, method: 'GET' });
    const stored = await envelope(id);
    expect(stored.body).toBeUndefined();
    expect(stored.headers).toEqual({});
    expect((await status(id)).method).toBe('GET');
  });

  it('turns retries into attempts and keeps a timeout only when the message gives one', async () => {
    const once = await publish({ destination: DEST, retries: 0, timeout: '5s' });
    expect((await status(once)).maxAttempts).toBe(1);
    expect((await envelope(once)).timeoutMs).toBe(5_000);
    const plain = await publish({ destination: DEST });
    expect((await envelope(plain)).timeoutMs).toBeUndefined();
    expect((await status(plain)).maxAttempts).toBe(6);
  });

  it('schedules a delayed message for now + delay', async () => {
    const before = Date.now();
    const id = await publish({ destination: DEST, delay: '90s' });
    const shown = await status(id);
    expect(shown.state).toBe('scheduled');
    const due = Date.parse(shown.nextAttemptAt ?? '');
    expect(due).toBeGreaterThanOrEqual(before + 90_000 - 1_000);
    expect(due).toBeLessThanOrEqual(Date.now() + 90_000 + 1_000);
  });

  it('schedules at notBefore, and a past notBefore is ready now', async () => {
    const at = new Date(Date.now() + 3_600_000);
    at.setMilliseconds(0);
    const later = await publish({ destination: DEST, notBefore: at.toISOString() });
    expect(await status(later)).toMatchObject({ state: 'scheduled', nextAttemptAt: at.toISOString() });
    const past = await publish({ destination: DEST, notBefore: Date.now() - 60_000 });
    expect((await status(past)).state).toBe('ready');
  });

  it('keeps an ordering key: a second message with the key waits until the first is finished', async () => {
    const dest = 'https://ordered.example.test/events';
    const first = await publish({ destination: dest, orderingKey: 'customer/42' });
    const second = await publish({ destination: dest, orderingKey: 'customer/42' });
    const unrelated = await publish({ destination: dest, orderingKey: 'customer/43' });
    const states = [(await status(first)).state, (await status(second)).state, (await status(unrelated)).state];
    expect(states).toEqual(['ready', 'waiting', 'ready']);
    expect((await envelope(second)).orderingKey).toBe('customer/42');
    expect((await envelope(await publish({ destination: dest }))).orderingKey).toBeUndefined();

    const lease = await waitForLease(first, ingest.store.shardOf(first)!);
    await ingest.store.ack(lease, { startedAt: Date.now(), durationMs: 3, statusCode: 200 });
    expect((await status(second)).state).toBe('ready');
  });

  it('accepts a public IP literal as destination', async () => {
    await publish({ destination: `http://${PUBLIC_IP}:8080/hook` });
  });
});

describe('POST /v1/messages/batch', () => {
  it('answers every id in input order', async () => {
    const destinations = ['https://a.example.test/1', 'https://b.example.test/2', 'https://c.example.test/3'];
    const answer = await call(ingest.base, 'POST', '/v1/messages/batch', destinations.map((destination) => ({ destination })));
    expect(answer.status).toBe(202);
    const { results } = answer.body as { results: { messageId: string }[] };
    expect(results).toHaveLength(3);
    const shown = await Promise.all(results.map(({ messageId }) => status(messageId)));
    expect(shown.map((s) => s.destination)).toEqual(destinations);
  });

  it('keeps each JSON body of a batch as the sender wrote it', async () => {
    const bodies = ['{"n": 12345678901234567891}', '[ 1.0, {"body": "inner"} ]', '"text"', '{"n":12345678901234567892}'];
    const raw = `[${bodies.map((body, i) => `{"body":${body},"destination":"${DEST}/${i}"}`).join(' ,\n')}, {"destination":"${DEST}"}]`;
    const answer = await call(ingest.base, 'POST', '/v1/messages/batch', raw);
    expect(answer.status).toBe(202);
    const ids = (answer.body as { results: { messageId: string }[] }).results.map(({ messageId }) => messageId);
    const stored = await Promise.all(ids.map(async (id) => (await envelope(id)).body));
    expect(stored).toEqual([bodies[0], bodies[1], 'text', bodies[3], undefined]);
  });

  it('accepts 1000 messages and refuses 1001 without writing any', async () => {
    const message = (i: number) => ({ destination: `https://hooks.example.test/${i}`, body: { i } });
    const before = await storedCount(ingest.store);
    const ok = await call(ingest.base, 'POST', '/v1/messages/batch', Array.from({ length: 1000 }, (_, i) => message(i)));
    expect(ok.status).toBe(202);
    const ids = (ok.body as { results: { messageId: string }[] }).results.map((r) => r.messageId);
    expect(new Set(ids).size).toBe(1000);
    expect(await storedCount(ingest.store)).toBe(before + 1000);
    expect(await envelope(ids[999]!)).toMatchObject({ url: 'https://hooks.example.test/999', body: '{"i":999}' });

    const tooMany = await call(ingest.base, 'POST', '/v1/messages/batch', Array.from({ length: 1001 }, (_, i) => message(i)));
    expectError(tooMany, 400, 'VALIDATION_FAILED');
    expect(await storedCount(ingest.store)).toBe(before + 1000);
  });

  it('keeps the order of a batch for messages sharing an ordering key', async () => {
    const destination = 'https://ordered.example.test/batch';
    const batch = Array.from({ length: 3 }, (_, i) => ({ destination, body: { i }, orderingKey: 'batch-key' }));
    const answer = await call(ingest.base, 'POST', '/v1/messages/batch', batch);
    expect(answer.status).toBe(202);
    const { results } = answer.body as { results: { messageId: string }[] };
    const states = await Promise.all(results.map(async ({ messageId }) => (await status(messageId)).state));
    expect(states).toEqual(['ready', 'waiting', 'waiting']);
  });

  it('writes nothing when one message is invalid, and names it by index', async () => {
    const batch = Array.from({ length: 5 }, (_, i) => ({ destination: `https://hooks.example.test/${i}` }));
    batch[3] = { destination: 'ftp://files.example.test/x' };
    const before = await storedCount(ingest.store);
    const error = expectError(await call(ingest.base, 'POST', '/v1/messages/batch', batch), 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual([{ path: [3, 'destination'], message: 'must use http or https' }]);
    expect(await storedCount(ingest.store)).toBe(before);
  });

  it('writes nothing when one destination is private', async () => {
    const batch = [{ destination: 'https://ok.example.test/' }, { destination: 'https://ok.example.test/' }, { destination: 'http://10.1.2.3/' }];
    const before = await storedCount(ingest.store);
    const error = expectError(await call(ingest.base, 'POST', '/v1/messages/batch', batch), 422, 'DESTINATION_NOT_ALLOWED');
    expect(error.details).toEqual([{ path: [2, 'destination'], message: expect.stringContaining('private') }]);
    expect(await storedCount(ingest.store)).toBe(before);
  });
});

describe('DELETE /v1/messages/:id', () => {
  it('cancels a ready message once; the second time says it is cancelled', async () => {
    const id = await publish({ destination: DEST });
    const first = await call(ingest.base, 'DELETE', `/v1/messages/${id}`);
    expect([first.status, first.body]).toEqual([200, { messageId: id, state: 'cancelled' }]);
    expect((await status(id)).state).toBe('cancelled');
    const again = expectError(await call(ingest.base, 'DELETE', `/v1/messages/${id}`), 409, 'MESSAGE_NOT_CANCELLABLE');
    expect(again.message).toContain('cancelled');
  });

  it('cancels a scheduled message', async () => {
    const id = await publish({ destination: DEST, delay: '1h' });
    expect((await call(ingest.base, 'DELETE', `/v1/messages/${id}`)).status).toBe(200);
    const shown = await status(id);
    expect(shown.state).toBe('cancelled');
    expect(shown.nextAttemptAt).toBeUndefined();
  });

  it('refuses to cancel a message in flight and says so', async () => {
    const id = await publish({ destination: 'https://inflight.example.test/' });
    const shard = ingest.store.shardOf(id)!;
    await waitForLease(id, shard);
    const error = expectError(await call(ingest.base, 'DELETE', `/v1/messages/${id}`), 409, 'MESSAGE_NOT_CANCELLABLE');
    expect(error.message).toContain('in_flight');
  });
});

/** The value of the one series of `name` carrying all of `labels` (in any order). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const lines = text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
  const matching = lines.filter((line) => Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)));
  if (matching.length !== 1) throw new Error(`expected one series ${name} ${JSON.stringify(labels)}, found ${matching.length}`);
  return Number(matching[0]!.slice(matching[0]!.lastIndexOf(' ') + 1));
}

/** Leases ready deliveries of the shard, as a dispatcher would, until `id` is among them. */
async function waitForLease(id: string, shard: number): Promise<ClaimedDelivery> {
  for (let round = 0; round < 100; round++) {
    const { deliveries } = await ingest.store.claim(shard, { limit: 1_000, leaseMs: 60_000, defaultConcurrency: 1_000 });
    const leased = deliveries.find((delivery) => delivery.id === id);
    if (leased !== undefined) return leased;
  }
  throw new Error(`${id} was never claimed`);
}

describe('GET /v1/messages/:id', () => {
  it('shows when a message waiting out its destination’s Retry-After is tried next, and the attempts that spent no retry', async () => {
    const id = await publish({ destination: 'https://busy.example.test/in', retries: 0 });
    const { store } = ingest;
    const leased = (await store.claim(store.shardOf(id)!, { limit: 10, leaseMs: 30_000, defaultConcurrency: 10, hint: 'https://busy.example.test' })).deliveries;
    expect(leased.map((d) => d.id)).toEqual([id]);
    const before = Date.now();
    expect(await store.defer(leased[0]!, { startedAt: before, durationMs: 5, statusCode: 429 }, { waitMs: 60_000, summary: 'HTTP 429' })).toBe(true);

    const shown = await status(id);
    expect(shown).toMatchObject({ state: 'ready', maxAttempts: 1, freeAttempts: 1, attempts: [expect.objectContaining({ attempt: 1, statusCode: 429 })] });
    // Redis's clock set the wait's end; a few ms either way.
    const next = Date.parse(shown.nextAttemptAt!);
    expect(next).toBeGreaterThan(before + 59_000);
    expect(next).toBeLessThan(Date.now() + 61_000);

    // Paused by an operator, it waits for the resume, which has no time.
    const paused = await call(ingest.base, 'PUT', `/v1/destinations/${encodeURIComponent('https://busy.example.test')}`, { paused: true });
    expect(paused.status).toBe(200);
    expect((await status(id)).nextAttemptAt).toBeUndefined();
  });
});

describe('lookups and the rest', () => {
  it('answers 404 MESSAGE_NOT_FOUND for unknown and malformed ids', async () => {
    for (const id of ['msg_0_zzzzzzzzzzzzzzzzzzzz', 'nope', 'msg_zz_0000000000000', encodeURIComponent('../../etc')]) {
      expectError(await call(ingest.base, 'GET', `/v1/messages/${id}`), 404, 'MESSAGE_NOT_FOUND');
      expectError(await call(ingest.base, 'DELETE', `/v1/messages/${id}`), 404, 'MESSAGE_NOT_FOUND');
    }
  });

  it('keeps a sane X-Request-Id and replaces anything else', async () => {
    const kept = await call(ingest.base, 'GET', '/v1/messages/nope', undefined, { 'x-request-id': 'client-7.a_b' });
    expect(expectError(kept, 404, 'MESSAGE_NOT_FOUND').requestId).toBe('client-7.a_b');
    const replaced = await call(ingest.base, 'GET', '/v1/messages/nope', undefined, { 'x-request-id': 'a b<script>' });
    expect(expectError(replaced, 404, 'MESSAGE_NOT_FOUND').requestId).toMatch(/^req_[0-9a-f]{16}$/);
    const tooLong = await call(ingest.base, 'GET', '/livez', undefined, { 'x-request-id': 'x'.repeat(65) });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{16}$/);
  });

  it('serves probes and metrics with bounded labels', async () => {
    expect((await call(ingest.base, 'GET', '/livez')).status).toBe(200);
    expect(await call(ingest.base, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    const metrics = await (await fetch(`${ingest.base}/metrics`)).text();
    expect(sample(metrics, 'ferry_messages_accepted_total', {})).toBeGreaterThan(1000);
    expect(sample(metrics, 'ferry_http_request_duration_seconds_count', { route: '/v1/messages', method: 'POST', status_class: '2xx' })).toBeGreaterThan(0);
    expect(sample(metrics, 'ferry_http_request_duration_seconds_count', { route: '/v1/messages/:id', method: 'GET', status_class: '4xx' })).toBeGreaterThan(0);
    expect(sample(metrics, 'ferry_publish_rejected_total', { code: 'VALIDATION_FAILED' })).toBeGreaterThan(0);
    expect(sample(metrics, 'ferry_publish_rejected_total', { code: 'DESTINATION_NOT_ALLOWED' })).toBe(1);
    expect(metrics).not.toMatch(/route="\/v1\/messages\/msg_/);
  });

  it("logs the real port in a line reading 'listening', and accepted messages at debug only", () => {
    const listening = ingest.lines.filter((line) => line.msg === 'listening');
    expect(listening).toEqual([expect.objectContaining({ port: ingest.port, level: 30 })]);
    const accepted = ingest.lines.filter((line) => line.msg === 'message accepted');
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.every((line) => line.level === 20 && typeof line.messageId === 'string')).toBe(true);
  });
});
