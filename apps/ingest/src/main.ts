import {
  createLogger,
  createRedis,
  exitOnConfigError,
  FERRY_VARIABLES,
  installSignalHandlers,
  ShutdownCoordinator,
} from '@ferry/runtime';
import { loadConfig } from './config';
import { IngestService } from './ingest-service';

// Closing Redis after the drain takes a moment; the coordinator's deadline leaves room for it.
const CLOSE_ALLOWANCE_MS = 5_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env, { ignore: FERRY_VARIABLES });
  const log = createLogger({ service: 'ingest', level: config.logLevel });
  const redis = createRedis(config.redisUrl, { name: 'ingest', log });
  const service = new IngestService({ config, redis, log, drainTimeoutMs: config.shutdownTimeoutMs });

  // Handlers run in reverse: the API stops taking requests and drains, then Redis closes.
  const shutdown = new ShutdownCoordinator({ log, deadlineMs: config.shutdownTimeoutMs + CLOSE_ALLOWANCE_MS });
  shutdown.register('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  shutdown.register('ingest', () => service.stop());
  installSignalHandlers(shutdown, log);

  try {
    await service.start();
  } catch (err) {
    log.fatal({ err }, 'ingest failed to start');
    await shutdown.shutdown('start failed');
    process.exitCode = 1;
  }
}

main().catch(exitOnConfigError);
