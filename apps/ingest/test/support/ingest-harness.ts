import { createMemoryLogger, createMetricsRegistry, createRedis, REDIS_COMMAND_TIMEOUT_MS, type LogLine, type Redis } from '@ferry/runtime';
import type { Store } from '@ferry/store';
import { ErrorEnvelope } from '@ferry/contracts';
import { loadConfig } from '../../src/config';
import { systemLookup, type HostLookup } from '../../src/destination-check';
import { TENANT } from '../../src/publish-request';
import { IngestService } from '../../src/ingest-service';
import { RedisServer, type RedisServerOptions } from '../../../../test/support/redis-server';

export interface RunningIngest {
  base: string;
  port: number;
  service: IngestService;
  store: Store;
  redis: Redis;
  lines: LogLine[];
  close(): Promise<void>;
}

let instances = 0;

/**
 * Starts the real service in-process on a free port against `redisUrl`. Each instance gets a key
 * prefix of its own, so tests sharing one redis-server do not see each other's keys.
 */
export async function startIngest(
  redisUrl: string,
  env: Record<string, string> = {},
  { lookup, redisCommandTimeoutMs, drainTimeoutMs }: { lookup?: HostLookup; redisCommandTimeoutMs?: number; drainTimeoutMs?: number } = {},
): Promise<RunningIngest> {
  const config = loadConfig({
    REDIS_URL: redisUrl,
    PORT: '0',
    LOG_LEVEL: 'debug',
    FERRY_KEY_PREFIX: `t${process.pid}-${++instances}`,
    FERRY_SHARDS: '4',
    ...env,
  });
  const { log, lines } = createMemoryLogger({ service: 'ingest', level: config.logLevel });
  const redis = createRedis(config.redisUrl, { name: 'ingest-test', log, commandTimeoutMs: redisCommandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS });
  const service = new IngestService({
    config,
    redis,
    log,
    lookup,
    drainTimeoutMs,
    host: '127.0.0.1',
    registry: createMetricsRegistry({ service: 'ingest', collectDefault: false }),
  });
  const { port } = await service.start();
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    service,
    store: service.store,
    redis,
    lines,
    close: async () => {
      await service.stop();
      redis.disconnect();
    },
  };
}

/**
 * For a test file or a describe block: a real redis-server of its own (started with `server`) and
 * an ingest on it (with `env` on top of startIngest's settings and names under example.test
 * resolving to a public address), started before its tests and stopped after them. The hooks fill the object in, so
 * read it inside tests and hooks, not at declaration.
 */
export function useIngest(
  env: Record<string, string> = {},
  server: RedisServerOptions = {},
): RunningIngest & { redisServer: RedisServer } {
  const running = {} as RunningIngest & { redisServer: RedisServer };
  beforeAll(async () => {
    const redisServer = await RedisServer.start(server);
    Object.assign(running, { redisServer }, await startIngest(redisServer.url, env, { lookup: testLookup }));
  });
  afterAll(async () => {
    await running.close?.();
    await running.redisServer?.destroy();
  });
  return running;
}

/**
 * Names under example.test resolve to a public address without asking DNS (the test machine may
 * have none); everything else goes to the system resolver, so `localhost` is the real thing.
 */
export const PUBLIC_IP = '93.184.215.14';
export const testLookup: HostLookup = async (hostname) =>
  hostname.endsWith('.example.test') ? [{ address: PUBLIC_IP }] : systemLookup(hostname);

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Asserts the answer is the error envelope with `code`, carrying the response's request id. */
export function expectError(answer: Answer, status: number, code: string): ErrorEnvelope['error'] {
  const parsed = ErrorEnvelope.safeParse(answer.body);
  if (!parsed.success) throw new Error(`not an error envelope (status ${answer.status}): ${JSON.stringify(answer.body)}`);
  expect({ status: answer.status, code: parsed.data.error.code }).toEqual({ status, code });
  expect(parsed.data.error.requestId).toBe(answer.headers.get('x-request-id'));
  return parsed.data.error;
}

/** Number of deliveries stored across all shards: proof that nothing (or something) was written. */
export async function storedCount(store: Store): Promise<number> {
  let total = 0;
  for (let shard = 0; shard < store.options.shards; shard++) total += await store.redis.hlen(store.keys.deliveries(shard));
  return total;
}

/** Unfinished deliveries of the (only) tenant, summed over shards, as the store counts them. */
export async function tenantBacklog(store: Store): Promise<number> {
  let total = 0;
  for (let shard = 0; shard < store.options.shards; shard++) total += Number(await store.redis.hget(store.keys.backlog(shard), TENANT));
  return total;
}

/** Delivers everything ready, as a dispatcher would: claims it shard by shard and acks it. */
export async function deliverAll(store: Store): Promise<number> {
  let delivered = 0;
  for (let shard = 0; shard < store.options.shards; shard++) {
    for (;;) {
      const { deliveries } = await store.claim(shard, { limit: 1_000, leaseMs: 60_000, defaultConcurrency: 1_000 });
      if (deliveries.length === 0) break;
      const startedAt = Date.now();
      await Promise.all(deliveries.map((delivery) => store.ack(delivery, { startedAt, durationMs: 1, statusCode: 200 })));
      delivered += deliveries.length;
    }
  }
  return delivered;
}
