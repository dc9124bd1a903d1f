import {
  connectRedis,
  createLogger,
  createMetricsRegistry,
  exitOnConfigError,
  FERRY_VARIABLES,
  installSignalHandlers,
  ShutdownCoordinator,
  startProbes,
} from '@ferry/runtime';
import { openStore } from '@ferry/store';
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

  const redis = await connectRedis(config.REDIS_URL, { name: 'scheduler', log, shutdown });
  const store = await openStore(redis, config);
  const registry = createMetricsRegistry({ service: 'scheduler' });
  const scheduler = new SchedulerService({
    store,
    metrics: createSchedulerMetrics(registry, store, { perDestination: config.FERRY_METRICS_PER_DESTINATION }),
    log,
    tickMs: config.FERRY_SCHEDULER_TICK_MS,
    reapIntervalMs: config.FERRY_REAP_INTERVAL_MS,
    retentionMs: config.FERRY_RETENTION,
  });
  const probes = await startProbes({ port: config.PORT, registry, redis, shutdown, log });

  scheduler.start();
  shutdown.register('scheduler', () => scheduler.stop());
  log.info({ port: probes.port, shards: config.FERRY_SHARDS }, 'listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`scheduler failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
