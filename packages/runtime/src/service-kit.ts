import { createOpsHandler, startOpsServer, type OpsServer } from './ops-server';
import { answersPing, checkRedis, createRedis, waitForRedis, type Redis } from './redis';
import type { Logger } from './logger';
import type { Registry } from './metrics';
import type { ShutdownCoordinator } from './shutdown';

/** How long a starting service waits for Redis before giving up with a clear message. */
const REDIS_START_TIMEOUT_MS = 30_000;

/**
 * A Redis client that is reachable and fit for Ferry (version, eviction policy), closed last
 * at shutdown: it registers first, and the coordinator stops components in reverse order.
 */
export async function connectRedis(
  url: string,
  { name, log, shutdown, commandTimeoutMs }: { name: string; log: Logger; shutdown: ShutdownCoordinator; commandTimeoutMs?: number },
): Promise<Redis> {
  const redis = createRedis(url, { name, log, commandTimeoutMs });
  shutdown.register(`redis (${name})`, async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  await waitForRedis(redis, REDIS_START_TIMEOUT_MS);
  await checkRedis(redis, log);
  return redis;
}

/**
 * The probe and metrics server of a service without an API of its own. Ready means Redis
 * answers and shutdown has not begun, so a load balancer stops routing before the drain.
 */
export async function startProbes({
  port,
  host,
  registry,
  redis,
  shutdown,
  log,
}: {
  port: number;
  /** The address to listen on; every interface when unset. */
  host?: string | undefined;
  registry: Registry;
  redis: Redis;
  shutdown: ShutdownCoordinator;
  log: Logger;
}): Promise<OpsServer> {
  const isReady = async () => !shutdown.isShuttingDown && (await answersPing(redis));
  const ops = await startOpsServer({ port, host, log, handler: createOpsHandler({ registry, isReady }) });
  shutdown.register('ops server', () => ops.close());
  return ops;
}
