import {
  connectRedis,
  createLogger,
  createMetricsRegistry,
  createRedis,
  exitOnConfigError,
  FERRY_VARIABLES,
  installSignalHandlers,
  ShutdownCoordinator,
  startProbes,
} from '@ferry/runtime';
import { openStore } from '@ferry/store';
import { addressPolicy } from './address-policy';
import { loadConfig, type DispatcherConfig } from './config';
import { DispatcherService } from './dispatcher-service';
import { createDeliveryAgent } from './http-agent';
import { createDispatcherMetrics } from './metrics';

async function main(): Promise<void> {
  let config: DispatcherConfig;
  try {
    config = loadConfig(process.env, { ignore: FERRY_VARIABLES });
  } catch (err) {
    exitOnConfigError(err);
  }
  const log = createLogger({ service: 'dispatcher', level: config.LOG_LEVEL });
  // The drain gets the shutdown budget; a few seconds on top let hand-backs and closing finish.
  const shutdown = new ShutdownCoordinator({ log, deadlineMs: config.FERRY_SHUTDOWN_TIMEOUT_MS + 5_000 });
  installSignalHandlers(shutdown, log);

  const redis = await connectRedis(config.REDIS_URL, { name: 'dispatcher', log, shutdown });
  // Waiting for work blocks a connection, so it gets one of its own; stop() closes it.
  const blocking = createRedis(config.REDIS_URL, { name: 'dispatcher-wait', blocking: true, log });
  const store = await openStore(redis, config);

  const policy = addressPolicy(config.FERRY_ALLOW_PRIVATE_DESTINATIONS);
  const agent = createDeliveryAgent({ connectionsPerOrigin: config.FERRY_DISPATCH_CONCURRENCY, policy });
  shutdown.register('http agent', () => agent.close());

  const registry = createMetricsRegistry({ service: 'dispatcher' });
  const dispatcher = new DispatcherService({
    store,
    blocking,
    agent,
    policy,
    outcomes: {
      backoff: { baseMs: config.FERRY_RETRY_BASE_MS, factor: config.FERRY_RETRY_FACTOR, maxMs: config.FERRY_RETRY_MAX_MS },
      nonRetryableStatuses: new Set(config.FERRY_NON_RETRYABLE_STATUSES.map(Number)),
      maxRetryAfterMs: config.FERRY_MAX_RETRY_AFTER,
    },
    metrics: createDispatcherMetrics(registry),
    log,
    concurrency: config.FERRY_DISPATCH_CONCURRENCY,
    claimBatch: config.FERRY_CLAIM_BATCH,
    destinationConcurrency: config.FERRY_DEST_CONCURRENCY,
    leaseMs: config.FERRY_LEASE_MS,
    deliveryTimeoutMs: config.FERRY_DELIVERY_TIMEOUT_MS,
    excerptBytes: config.FERRY_RESPONSE_EXCERPT_BYTES,
    drainTimeoutMs: config.FERRY_SHUTDOWN_TIMEOUT_MS,
  });
  const probes = await startProbes({ port: config.PORT, registry, redis, shutdown, log });

  dispatcher.start();
  shutdown.register('dispatcher', () => dispatcher.stop());
  log.info({ port: probes.port, shards: config.FERRY_SHARDS, concurrency: config.FERRY_DISPATCH_CONCURRENCY }, 'listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`dispatcher failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
