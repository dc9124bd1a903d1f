import {
  checkRedis,
  createLogger,
  createMetricsRegistry,
  createOpsHandler,
  createRedis,
  exitOnConfigError,
  FERRY_VARIABLES,
  installSignalHandlers,
  ShutdownCoordinator,
  startOpsServer,
  waitForRedis,
} from '@ferry/runtime';
import { Store } from '@ferry/store';
import { loadConfig, type SchedulerConfig } from './config';
import { createSchedulerMetrics } from './metrics';
import { SchedulerService } from './scheduler-service';

async function main(): Promise<void> {
  let config: SchedulerConfig;
  try {
    config = loadConfig(process.env, { ignore: FERRY_VARIABLES });
  } catch (err) {
    exitOnConfigError(err);
  }
  const log = createLogger({ service: 'scheduler', level: config.LOG_LEVEL });
  const shutdown = new ShutdownCoordinator({ log, deadlineMs: config.FERRY_SHUTDOWN_TIMEOUT_MS });
  installSignalHandlers(shutdown, log);

  const redis = createRedis(config.REDIS_URL, { name: 'scheduler', log });
  shutdown.register('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  await waitForRedis(redis, 30_000);
  await checkRedis(redis, log);

  const store = new Store(redis, {
    prefix: config.FERRY_KEY_PREFIX,
    shards: config.FERRY_SHARDS,
    eventsMaxLen: config.FERRY_EVENTS_MAXLEN,
    maxLeaseLosses: config.FERRY_MAX_LEASE_LOSSES,
  });
  await store.ensureShardCount();

  const registry = createMetricsRegistry({ service: 'scheduler' });
  const scheduler = new SchedulerService({
    store,
    metrics: createSchedulerMetrics(registry, store),
    log,
    tickMs: config.FERRY_SCHEDULER_TICK_MS,
    reapIntervalMs: config.FERRY_REAP_INTERVAL_MS,
    retentionMs: config.FERRY_RETENTION,
  });

  const ops = await startOpsServer({
    port: config.PORT,
    log,
    handler: createOpsHandler({
      registry,
      isReady: async () => !shutdown.isShuttingDown && (await redis.ping()) === 'PONG',
    }),
  });
  shutdown.register('ops server', () => ops.close());

  scheduler.start();
  shutdown.register('scheduler', () => scheduler.stop());
  log.info({ port: ops.port, shards: config.FERRY_SHARDS }, 'listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`scheduler failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
