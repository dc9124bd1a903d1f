import { ConfigError, type LogLevel } from './config';
import { createLogger, exitAfterLogs, type Logger } from './logger';
import { installSignalHandlers, ShutdownCoordinator } from './shutdown';

/**
 * What runService does with a configuration that does not load: a bad configuration is the
 * operator's to fix, so it gets a plain list on stderr and exit code 2 instead of a stack trace.
 * Anything else is rethrown.
 */
export function exitOnConfigError(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`Configuration error:\n${err.problems.map((line) => `  ${line}\n`).join('')}`);
  process.exit(2);
}

/** What a service's start is given. */
export interface ServiceContext<C> {
  config: C;
  log: Logger;
  /** Each part registers here as it starts; SIGTERM and SIGINT stop them in reverse order. */
  shutdown: ShutdownCoordinator;
}

export interface ServiceDefinition<C> {
  /** The service's name, on every log line. */
  name: string;
  /** Reads the configuration from the environment; throws ConfigError naming every problem. */
  loadConfig: () => C;
  logLevel: (config: C) => LogLevel;
  /** Bounds the whole shutdown: the service's drain and the closing of connections after it. */
  shutdownDeadlineMs: (config: C) => number;
  /** Starts the service's parts, registering each with `shutdown` as it comes up. */
  start: (context: ServiceContext<C>) => Promise<void>;
}

/**
 * How every Ferry service process begins. A bad configuration ends it with exit code 2 and the
 * problems listed on stderr. A start that fails (Redis never answered, a port in use) is logged
 * as fatal with its reason, the parts already started are stopped, and the process exits 1.
 */
export async function runService<C>(definition: ServiceDefinition<C>): Promise<void> {
  const { name } = definition;
  let config: C;
  try {
    config = definition.loadConfig();
  } catch (err) {
    exitOnConfigError(err);
  }
  const log = createLogger({ service: name, level: definition.logLevel(config) });
  const shutdown = new ShutdownCoordinator({ log, deadlineMs: definition.shutdownDeadlineMs(config) });
  installSignalHandlers(shutdown, log, (code) => void exitAfterLogs(log, code));
  try {
    await definition.start({ config, log, shutdown });
  } catch (err) {
    log.fatal({ err }, `${name} failed to start`);
    await shutdown.shutdown('start failed');
    // A client made before the failure and not yet registered would keep the process alive.
    await exitAfterLogs(log, 1);
  }
}
