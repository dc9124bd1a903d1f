/** The systems the scenarios compare, started the same way in every scenario. */
import { JOB_OPTIONS } from '../baselines/bullmq-queue';
import { FERRY_STORE_OPTIONS, startBaselineProcess, startFerry } from '../harness';
import { FERRY_BENCH_ENV } from '../processes/ferry-service';
import type { ManagedProcess } from '../processes/managed-process';
import type { RedisServer } from '../processes/redis-server';
import type { Scope } from '../scope';

/** An HTTP API under test: its base URL and the process serving it (for its CPU time). */
export interface Endpoint {
  url: string;
  process: ManagedProcess;
}

/** Consumers get the same concurrency on both sides: Ferry's one dispatcher, BullMQ's one worker. */
export const CONSUMER_CONCURRENCY = 64;

/**
 * Ferry's backlog cap (1 000 000 unfinished messages by default) is a production safety valve;
 * a long fast ingest run could reach it and measure refusals. The check still runs on every
 * publish, only its limit is out of reach.
 */
const INGEST_ENV = { FERRY_MAX_BACKLOG: '1000000000' };

export async function startFerryIngest(scope: Scope, redis: RedisServer): Promise<Endpoint> {
  const ingest = await startFerry(scope, 'ingest', redis, INGEST_ENV);
  return { url: `http://127.0.0.1:${ingest.port}`, process: ingest.process };
}

/**
 * One dispatcher sending at most CONSUMER_CONCURRENCY requests at once, like the worker. Every
 * scenario sends to one origin (the sink), so the destination's cap would bound it too; the cap
 * counts a delivery from its claim until its outcome is written, which includes the batch leased
 * ahead and acks still on their way, so a cap equal to the concurrency would keep fewer requests
 * than that in flight. It is set well above, leaving the dispatcher's concurrency as the bound.
 */
const DISPATCHER_ENV = { FERRY_DISPATCH_CONCURRENCY: String(CONSUMER_CONCURRENCY), FERRY_DEST_CONCURRENCY: String(4 * CONSUMER_CONCURRENCY) };

export async function startFerryDispatcher(scope: Scope, redis: RedisServer, env: Record<string, string> = {}): Promise<ManagedProcess> {
  const dispatcher = await startFerry(scope, 'dispatcher', redis, { ...DISPATCHER_ENV, ...env });
  return dispatcher.process;
}

export async function startFerryScheduler(scope: Scope, redis: RedisServer, env: Record<string, string> = {}): Promise<void> {
  await startFerry(scope, 'scheduler', redis, env);
}

export async function startBullmqEndpoint(scope: Scope, redis: RedisServer): Promise<Endpoint> {
  const endpoint = await startBaselineProcess(scope, 'bullmq-endpoint', { REDIS_URL: redis.url });
  return { url: `http://127.0.0.1:${endpoint.port}`, process: endpoint.process };
}

export async function startBullmqWorker(scope: Scope, redis: RedisServer): Promise<ManagedProcess> {
  const worker = await startBaselineProcess(scope, 'bullmq-worker', { REDIS_URL: redis.url, BENCH_CONCURRENCY: String(CONSUMER_CONCURRENCY) });
  return worker.process;
}

export async function startNoopEndpoint(scope: Scope): Promise<Endpoint> {
  const endpoint = await startBaselineProcess(scope, 'noop-endpoint', {});
  return { url: `http://127.0.0.1:${endpoint.port}`, process: endpoint.process };
}

/** How the systems were set up, written into the results file next to the figures. */
export const SETUP = {
  redis: 'a fresh redis-server per measured run: own port and temp folder, --save "" --appendonly no',
  ferry: { everyService: FERRY_BENCH_ENV, ingest: INGEST_ENV, dispatcher: DISPATCHER_ENV, store: FERRY_STORE_OPTIONS },
  bullmq: { workerConcurrency: CONSUMER_CONCURRENCY, jobOptions: JOB_OPTIONS },
  loadGenerator: 'the bench process itself: undici, keep-alive, on the same machine',
};
