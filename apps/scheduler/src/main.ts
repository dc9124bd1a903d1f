import { CLOSE_ALLOWANCE_MS, connectRedis, createMetricsRegistry, FERRY_VARIABLES, REDIS_COMMAND_TIMEOUT_MS, runService, startProbes } from '@ferry/runtime';
import { openStore } from '@ferry/store';
import { loadConfig } from './config';
import { createSchedulerMetrics } from './metrics';
import { SchedulerService } from './scheduler-service';

void runService({
  name: 'scheduler',
  loadConfig: () => loadConfig(process.env, { ignore: FERRY_VARIABLES }),
  logLevel: (config) => config.LOG_LEVEL,
  // Nothing to drain: the step running ends, however short the budget (0 included).
  shutdownDeadlineMs: (config) => config.FERRY_SHUTDOWN_TIMEOUT_MS + CLOSE_ALLOWANCE_MS,
  async start({ config, log, shutdown }) {
    const redis = await connectRedis(config.REDIS_URL, { name: 'scheduler', log, shutdown, commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS });
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
    const probes = await startProbes({ port: config.PORT, host: config.FERRY_HOST, registry, redis, shutdown, log });

    scheduler.start();
    shutdown.register('scheduler', () => scheduler.stop());
    log.info({ port: probes.port, host: probes.host, shards: config.FERRY_SHARDS }, 'listening');
  },
});
