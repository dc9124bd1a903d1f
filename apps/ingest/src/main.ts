import { CLOSE_ALLOWANCE_MS, createRedis, FERRY_VARIABLES, REDIS_COMMAND_TIMEOUT_MS, runService } from '@ferry/runtime';
import { loadConfig } from './config';
import { IngestService } from './ingest-service';

void runService({
  name: 'ingest',
  loadConfig: () => loadConfig(process.env, { ignore: FERRY_VARIABLES }),
  logLevel: (config) => config.logLevel,
  shutdownDeadlineMs: (config) => config.shutdownTimeoutMs + CLOSE_ALLOWANCE_MS,
  async start({ config, log, shutdown }) {
    const redis = createRedis(config.redisUrl, { name: 'ingest', log, commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS });
    const service = new IngestService({ config, redis, log, host: config.host, drainTimeoutMs: config.shutdownTimeoutMs });
    // Handlers run in reverse: the API stops taking requests and drains, then Redis closes.
    shutdown.register('redis', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    shutdown.register('ingest', () => service.stop());
    await service.start();
  },
});
