/**
 * Starts what a measured run needs and ties each piece to the run's scope, so everything is
 * stopped when the run ends, whichever way it ends.
 */
import { Store } from '@ferry/store';
import { Queue } from 'bullmq';
import { QUEUE_NAME, JOB_OPTIONS, type MessageJobData } from './baselines/bullmq-queue';
import { startBaseline, type BaselineName, type BaselineProcess } from './processes/baseline-process';
import { startFerryService, type FerryService, type FerryServiceName } from './processes/ferry-service';
import { RedisServer } from './processes/redis-server';
import type { Scope } from './scope';
import { SinkClient } from './sink-client';
import { startSinkProcess } from './sink-process';

export async function startRedis(scope: Scope): Promise<RedisServer> {
  const redis = await RedisServer.start();
  scope.defer(() => redis.stop());
  return redis;
}

/**
 * A fresh sink: its record seqs start at 1, which is how arrival spans are read (sink-client.ts).
 * It keeps `maxRecords` records whatever their bodies weigh (no byte bound): the run reads them
 * all back.
 */
export async function startSink(scope: Scope, maxRecords: number): Promise<SinkClient> {
  const sink = await startSinkProcess({
    SINK_MAX_RECORDS: String(maxRecords),
    SINK_MAX_BODY_BYTES: String(Number.MAX_SAFE_INTEGER),
  });
  scope.defer(() => sink.stop());
  return new SinkClient(`http://127.0.0.1:${sink.port}`, () => sink.cpuMicros());
}

export async function startFerry(scope: Scope, name: FerryServiceName, redis: RedisServer, env: Record<string, string> = {}): Promise<FerryService> {
  const service = await startFerryService(name, { REDIS_URL: redis.url, ...env });
  scope.defer(() => service.process.stop());
  return service;
}

export async function startBaselineProcess(scope: Scope, name: BaselineName, env: Record<string, string>): Promise<BaselineProcess> {
  const baseline = await startBaseline(name, env);
  scope.defer(() => baseline.process.stop());
  return baseline;
}

/** The settings Ferry's services use by default; the Store must agree with them on the keyspace. */
export const FERRY_STORE_OPTIONS = { prefix: 'ferry', shards: 4, eventsMaxLen: 10_000, maxFreeAttempts: 5 };

/**
 * Ferry's Store on its own connection, for fills that bypass the API. `options` overrides the
 * defaults where a scenario runs its services with other settings (they must agree).
 */
export async function openStore(redis: RedisServer, options: Partial<typeof FERRY_STORE_OPTIONS> = {}): Promise<Store> {
  const store = new Store(redis.client(), { ...FERRY_STORE_OPTIONS, ...options });
  await store.ensureShardCount();
  return store;
}

/** The BullMQ queue the baselines use, opened from the bench for fills; closed with the scope. */
export async function openQueue(scope: Scope, redis: RedisServer): Promise<Queue<MessageJobData>> {
  const queue = new Queue<MessageJobData>(QUEUE_NAME, { connection: { host: '127.0.0.1', port: redis.port }, defaultJobOptions: JOB_OPTIONS });
  scope.defer(() => queue.close());
  await queue.waitUntilReady();
  return queue;
}
