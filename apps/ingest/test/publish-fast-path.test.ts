import http, { type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { createMemoryLogger, createMetricsRegistry, createRedis, type LogLine, type Redis } from '@ferry/runtime';
import { Store } from '@ferry/store';
import { createApp } from '../src/app';
import { Backpressure } from '../src/backpressure';
import { loadConfig } from '../src/config';
import { DestinationCheck } from '../src/destination-check';
import { MessagePublisher } from '../src/message-publisher';
import { createIngestMetrics, type IngestMetrics } from '../src/metrics';
import { withPublishFastPath } from '../src/publish-fast-path';
import { call, expectError, storedCount, testLookup, type Answer } from './support/ingest-harness';
import { RedisServer } from '../../../test/support/redis-server';

const TOKEN = 'fast-path-token-0123456789';
const MAX_BODY = 2_048;
const DEST = 'https://hooks.example.test/in';
const auth = { authorization: `Bearer ${TOKEN}` };

let redisServer: RedisServer;
let redis: Redis;
let server: http.Server;
let base: string;
let store: Store;
let metrics: IngestMetrics;
let lines: LogLine[];
let storeUp = true;
// Requests the fast path passed on to express.
let toExpress = 0;

/** The service's request listener, built as IngestService builds it, with a count of what reaches express. */
beforeAll(async () => {
  redisServer = await RedisServer.start();
  const config = loadConfig({
    REDIS_URL: redisServer.url,
    LOG_LEVEL: 'debug',
    FERRY_KEY_PREFIX: 'fast',
    FERRY_SHARDS: '2',
    FERRY_API_TOKEN: TOKEN,
    FERRY_MAX_BODY_BYTES: String(MAX_BODY),
  });
  const logger = createMemoryLogger({ service: 'ingest', level: 'debug' });
  const log = logger.log;
  lines = logger.lines;
  redis = createRedis(redisServer.url, { name: 'fast-path-test', log });
  store = new Store(redis, { prefix: config.keyPrefix, shards: config.shards, eventsMaxLen: 1_000, maxFreeAttempts: 3 });
  await store.ensureShardCount();
  const registry = createMetricsRegistry({ service: 'ingest', collectDefault: false });
  metrics = createIngestMetrics(registry);
  const destinations = new DestinationCheck({ allowPrivate: false, lookup: testLookup });
  const backpressure = new Backpressure({ store, maxBacklog: config.maxBacklog, maxMemoryFraction: config.maxRedisMemory });
  const publisher = new MessagePublisher({ config, log, store, destinations, backpressure, metrics });
  const isStoreAvailable = () => storeUp;
  const app = createApp({ config, store, log, registry, metrics, destinations, backpressure, publisher, isStoreAvailable, isReady: async () => true });
  const countingApp: RequestListener = (req, res) => {
    toExpress++;
    app(req, res);
  };
  server = http.createServer(withPublishFastPath(countingApp, { config, log, metrics, publisher, isStoreAvailable }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  redis?.disconnect();
  await redisServer?.destroy();
});

/** Sends the request to the fast path and, with a trailing slash, to the express route; checks which served it. */
async function both(body: unknown, headers: Record<string, string> = auth): Promise<{ fast: Answer; express: Answer }> {
  const before = toExpress;
  const fast = await call(base, 'POST', '/v1/messages', body, headers);
  expect(toExpress).toBe(before);
  const express = await call(base, 'POST', '/v1/messages/', body, headers);
  expect(toExpress).toBe(before + 1);
  return { fast, express };
}

/** What a sender can see of an answer, but the request id (each request has its own). */
function visible({ status, headers, body }: Answer) {
  const shown = structuredClone(body) as { error?: { requestId?: string } };
  if (shown?.error !== undefined) delete shown.error.requestId;
  const names = ['content-type', 'cache-control', 'www-authenticate', 'retry-after'];
  return { status, headers: Object.fromEntries(names.map((name) => [name, headers.get(name)])), body: shown };
}

describe('the publish fast path', () => {
  it('accepts a message without express: 202 with its id, stored, the request id echoed', async () => {
    const before = await storedCount(store);
    const fromExpress = toExpress;
    const answer = await call(base, 'POST', '/v1/messages', { destination: DEST, body: { n: 1 } }, { ...auth, 'x-request-id': 'abc-123' });

    expect(toExpress).toBe(fromExpress);
    expect(answer.status).toBe(202);
    expect(answer.headers.get('x-request-id')).toBe('abc-123');
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const { messageId } = answer.body as { messageId: string };
    expect(answer.body).toEqual({ messageId: expect.stringMatching(/^msg_/) });
    expect((await store.get(messageId))?.envelope.body).toBe('{"n":1}');
    expect(await storedCount(store)).toBe(before + 1);
  });

  it('answers concurrent publishes each with its own id', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, (_, n) => call(base, 'POST', '/v1/messages', { destination: DEST, body: n }, auth)));
    expect(answers.map(({ status }) => status)).toEqual(Array(30).fill(202));
    const ids = answers.map(({ body }) => (body as { messageId: string }).messageId);
    expect(new Set(ids).size).toBe(30);
    for (const [n, id] of ids.entries()) expect((await store.get(id))?.envelope.body).toBe(String(n));
  });

  it.each<[string, unknown, Record<string, string>, number, string]>([
    ['no token', { destination: DEST }, {}, 401, 'UNAUTHORIZED'],
    ['a wrong token', { destination: DEST }, { authorization: 'Bearer nope' }, 401, 'UNAUTHORIZED'],
    ['malformed JSON', '{"destination": ', auth, 400, 'MALFORMED_JSON'],
    ['a bare JSON string', '  "https://hooks.example.test"', auth, 400, 'VALIDATION_FAILED'],
    ['an empty body', '', auth, 400, 'VALIDATION_FAILED'],
    ['a top-level array', [{ destination: DEST }], auth, 400, 'VALIDATION_FAILED'],
    ['an invalid message', { destination: 'ftp://x', retries: -1, colour: 'red' }, auth, 400, 'VALIDATION_FAILED'],
    ['a message body over FERRY_MAX_BODY_BYTES', { destination: DEST, body: 'x'.repeat(MAX_BODY + 1) }, auth, 413, 'PAYLOAD_TOO_LARGE'],
    ['a request over the parser limit', { destination: DEST, body: 'x'.repeat(6 * MAX_BODY + 70_000) }, auth, 413, 'PAYLOAD_TOO_LARGE'],
    ['a private destination', { destination: 'http://10.0.0.1/hook' }, auth, 422, 'DESTINATION_NOT_ALLOWED'],
  ])('refuses %s as the express route does', async (_, body, headers, status, code) => {
    const before = await storedCount(store);
    const { fast, express } = await both(body, headers);
    expectError(fast, status, code);
    expect(visible(fast)).toEqual(visible(express));
    expect(await storedCount(store)).toBe(before);
  });

  it('answers 503 while the store is unavailable, as the express route does', async () => {
    storeUp = false;
    try {
      const { fast, express } = await both({ destination: DEST });
      expectError(fast, 503, 'SERVICE_UNAVAILABLE');
      expect(visible(fast)).toEqual(visible(express));
    } finally {
      storeUp = true;
    }
  });

  it('leaves any other content type, path or method to express', async () => {
    const text = JSON.stringify({ destination: DEST });
    for (const [path, type] of [
      ['/v1/messages', 'text/plain'],
      ['/v1/messages', 'application/cloudevents+json'],
      ['/v1/messages', 'Application/JSON'],
      ['/v1/messages?x=1', 'application/json'],
      ['/v1/messages/batch', 'application/json'],
    ] as const) {
      const before = toExpress;
      await call(base, 'POST', path, path.endsWith('batch') ? `[${text}]` : text, { ...auth, 'content-type': type });
      expect(toExpress).toBe(before + 1);
    }
    const before = toExpress;
    expectError(await call(base, 'GET', '/v1/messages', undefined, auth), 405, 'METHOD_NOT_ALLOWED');
    expectError(await call(base, 'POST', '/v1/messages', 'x', { ...auth, 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(toExpress).toBe(before + 2);
  });

  it('counts refusals and times requests under the publish route, as the express route does', async () => {
    const refused = async () => (await metrics.rejected.get()).values.find(({ labels }) => labels.code === 'UNAUTHORIZED')?.value ?? 0;
    const timed = async () =>
      (await metrics.httpDuration.get()).values.find(
        ({ labels, metricName }) => metricName?.endsWith('_count') && labels.route === '/v1/messages' && labels.status_class === '4xx',
      )?.value ?? 0;
    const [refusedBefore, timedBefore] = [await refused(), await timed()];
    await call(base, 'POST', '/v1/messages', { destination: DEST });
    expect(await refused()).toBe(refusedBefore + 1);
    expect(await timed()).toBe(timedBefore + 1);
  });

  it('logs refusals with the request id, and never the token', () => {
    const refusal = lines.find((line) => line.msg === 'request refused' && line.code === 'UNAUTHORIZED');
    expect(refusal).toMatchObject({ requestId: expect.any(String), route: '/v1/messages', method: 'POST' });
    expect(lines.some((line) => line.msg === 'message accepted' && typeof line.requestId === 'string')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    // The store-down answers are warnings naming the reason, by both paths; nothing is an error.
    const failed = lines.filter((line) => line.msg === 'request failed');
    expect(failed.map(({ level, code }) => [level, code])).toEqual([
      [40, 'SERVICE_UNAVAILABLE'],
      [40, 'SERVICE_UNAVAILABLE'],
    ]);
    expect(failed.every((line) => line.requestId !== undefined && /unavailable/.test(String(line.reason)))).toBe(true);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
