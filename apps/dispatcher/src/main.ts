import { CLOSE_ALLOWANCE_MS, connectRedis, createMetricsRegistry, createRedis, FERRY_VARIABLES, runService, startProbes } from '@ferry/runtime';
import { openStore } from '@ferry/store';
import { addressPolicy } from './address-policy';
import { loadConfig } from './config';
import { DispatcherService } from './dispatcher-service';
import { createDeliveryAgent } from './http-agent';
import { createDispatcherMetrics } from './metrics';

void runService({
  name: 'dispatcher',
  loadConfig: () => loadConfig(process.env, { ignore: FERRY_VARIABLES }),
  logLevel: (config) => config.LOG_LEVEL,
  shutdownDeadlineMs: (config) => config.FERRY_SHUTDOWN_TIMEOUT_MS + CLOSE_ALLOWANCE_MS,
  async start({ config, log, shutdown }) {
    const redis = await connectRedis(config.REDIS_URL, { name: 'dispatcher', log, shutdown });
    const store = await openStore(redis, config);
    // Waiting for work blocks a connection, so it gets one of its own; the dispatcher's stop() closes it.
    const blocking = createRedis(config.REDIS_URL, { name: 'dispatcher-wait', blocking: true, log });

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
    const probes = await startProbes({ port: config.PORT, host: config.FERRY_HOST, registry, redis, shutdown, log });

    dispatcher.start();
    shutdown.register('dispatcher', () => dispatcher.stop());
    log.info({ port: probes.port, host: probes.host, shards: config.FERRY_SHARDS, concurrency: config.FERRY_DISPATCH_CONCURRENCY }, 'listening');
  },
});
