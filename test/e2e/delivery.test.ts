import { postJson } from '../support/http';
import { Stack } from '../support/stack';
import { waitFor } from '../support/wait';

describe('delivery, end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('delivers a published message with its body, method and forwarded headers', async () => {
    const published = await postJson(`${stack.ingest.url}/v1/messages`, {
      destination: stack.sinkUrl('/ok/orders?src=test'),
      method: 'PUT',
      headers: { 'X-Trace-Id': 'trace-42', Authorization: 'Bearer receiver-secret' },
      body: { order: 17, items: ['a', 'b'] },
    });
    expect(published.status).toBe(202);
    const { messageId } = published.body;

    const [view] = await stack.waitForStates([messageId], ['delivered']);
    expect(view).toMatchObject({ messageId, state: 'delivered', method: 'PUT', maxAttempts: 6 });
    expect(view!.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200 })]);

    const [received] = await stack.sinkRequests(`?messageId=${messageId}`);
    expect(received).toMatchObject({ method: 'PUT', path: '/ok/orders?src=test', attempt: 1 });
    expect(JSON.parse(received!.body)).toEqual({ order: 17, items: ['a', 'b'] });
    expect(received!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-trace-id': 'trace-42',
      authorization: 'Bearer receiver-secret',
      'ferry-message-id': messageId,
      'ferry-attempt': '1',
    });
  });

  it('sends a JSON body byte for byte as the sender wrote it', async () => {
    const body = '{ "orderId": 9007199254740993, "total": 10.50, "note": "caf\u00e9 ☕" }';
    const response = await fetch(`${stack.ingest.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"destination":"${stack.sinkUrl('/ok/verbatim')}","body":${body}}`,
    });
    expect(response.status).toBe(202);
    const { messageId } = (await response.json()) as { messageId: string };
    await stack.waitForStates([messageId], ['delivered']);
    const [received] = await stack.sinkRequests(`?messageId=${messageId}`);
    expect(received).toMatchObject({ body, bodyBytes: Buffer.byteLength(body) });
  });

  it('sends a string body as-is with its content type', async () => {
    const { body } = await postJson(`${stack.ingest.url}/v1/messages`, {
      destination: stack.sinkUrl('/ok/text'),
      headers: { 'Content-Type': 'text/csv' },
      body: 'id,name\n1,ferry\n',
    });
    await stack.waitForStates([body.messageId], ['delivered']);
    const [received] = await stack.sinkRequests(`?messageId=${body.messageId}`);
    expect(received).toMatchObject({ body: 'id,name\n1,ferry\n' });
    expect(received!.headers['content-type']).toBe('text/csv');
  });

  it('retries with back-off and delivers on the third attempt', async () => {
    const { body } = await postJson(`${stack.ingest.url}/v1/messages`, {
      destination: stack.sinkUrl('/flaky/2/hook'),
      body: { n: 1 },
    });
    const [view] = await stack.waitForStates([body.messageId], ['delivered']);
    const attempts = view!.attempts as Array<{ at: string; statusCode: number }>;
    expect(attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    // Back-off 200 ms then 400 ms (±20 %): the gaps grow.
    const times = attempts.map((a) => Date.parse(a.at));
    const gaps = [times[1]! - times[0]!, times[2]! - times[1]!];
    expect(gaps[0]).toBeGreaterThanOrEqual(150);
    expect(gaps[1]).toBeGreaterThanOrEqual(300);
    expect(gaps[1]).toBeGreaterThan(gaps[0]! * 1.2);
    const received = await stack.sinkRequests(`?messageId=${body.messageId}`);
    expect(received.map((r) => r.attempt)).toEqual([1, 2, 3]);
  });

  it('dead-letters a message whose destination always fails, after the configured retries', async () => {
    const { body } = await postJson(`${stack.ingest.url}/v1/messages`, {
      destination: stack.sinkUrl('/status/500'),
      body: { n: 2 },
      retries: 2,
    });
    const [view] = await stack.waitForStates([body.messageId], ['failed']);
    expect(view!.attempts).toHaveLength(3);
    expect(view!.maxAttempts).toBe(3);
    // Nothing more arrives once it is dead-lettered.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await stack.sinkRequests(`?messageId=${body.messageId}`)).toHaveLength(3);
  });

  it('holds a delayed message until it is due, then delivers it soon after', async () => {
    // Before the request: the delay runs from when the ingest accepts it, a little later.
    const publishedAt = Date.now();
    const { body } = await postJson(`${stack.ingest.url}/v1/messages`, {
      destination: stack.sinkUrl('/ok/later'),
      body: { n: 3 },
      delay: '2s',
    });
    expect((await stack.message(body.messageId)).state).toBe('scheduled');
    const [received] = await waitFor(() => stack.sinkRequests(`?messageId=${body.messageId}`).then((r) => (r.length ? r : undefined)), {
      timeoutMs: 10_000,
      what: 'the delayed delivery',
    });
    const lateness = Number(received!.at) - publishedAt;
    expect(lateness).toBeGreaterThanOrEqual(2_000);
    expect(lateness).toBeLessThan(3_000);
  });

  it('cancels a scheduled message so it is never delivered', async () => {
    const { body } = await postJson(`${stack.ingest.url}/v1/messages`, {
      destination: stack.sinkUrl('/ok/cancelled'),
      delay: 1_000,
    });
    const cancelled = await fetch(`${stack.ingest.url}/v1/messages/${body.messageId}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await stack.message(body.messageId)).state).toBe('cancelled');
    expect(await stack.sinkRequests(`?messageId=${body.messageId}`)).toHaveLength(0);
  });

  it('reports health and counts on every service', async () => {
    for (const service of [stack.ingest, stack.scheduler, stack.dispatchers[0]!]) {
      expect((await fetch(`${service.url}/livez`)).status).toBe(200);
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    }
    // The value of a sample with this name whose labels include `label` (e.g. 'outcome="success"').
    const metric = async (url: string, name: string, label = '') => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    expect(await metric(stack.ingest.url, 'ferry_messages_accepted_total')).toBeGreaterThanOrEqual(5);
    const dispatcher = stack.dispatchers[0]!.url;
    expect(await metric(dispatcher, 'ferry_attempt_outcomes_total', 'outcome="delivered"')).toBeGreaterThanOrEqual(4);
    expect(await metric(dispatcher, 'ferry_attempt_outcomes_total', 'outcome="retrying"')).toBeGreaterThanOrEqual(4);
    expect(await metric(dispatcher, 'ferry_attempt_outcomes_total', 'outcome="failed"')).toBeGreaterThanOrEqual(1);
    expect(await metric(dispatcher, 'ferry_attempt_duration_seconds_count', 'outcome="success"')).toBeGreaterThanOrEqual(4);
    // Published while the dispatcher waited for work: handed to it on arrival, without a claim.
    expect(await metric(dispatcher, 'ferry_deliveries_handed_over_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(stack.scheduler.url, 'ferry_queue_depth', 'state="dead_lettered"')).toBeGreaterThanOrEqual(1);
    expect(await metric(stack.scheduler.url, 'ferry_destination_ready', 'destination_class="default"')).toBe(0);
  });
});
