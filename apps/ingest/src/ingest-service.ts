import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { answersPing, checkRedis, createMetricsRegistry, waitForRedis, type Logger, type Redis, type Registry } from '@ferry/runtime';
import { Store } from '@ferry/store';
import { createRequestListener } from './app';
import { Backpressure } from './backpressure';
import type { IngestConfig } from './config';
import { DestinationCheck, type HostLookup } from './destination-check';
import { MessagePublisher } from './message-publisher';
import { createIngestMetrics } from './metrics';
import { protocolRefusals } from './protocol-refusals';

export interface IngestServiceOptions {
  config: IngestConfig;
  /** Owned by the caller, who closes it after `stop()`. */
  redis: Redis;
  log: Logger;
  /** Name resolution for the destination check; the system resolver unless a test brings its own. */
  lookup?: HostLookup;
  /** Interface to listen on; every interface when absent. */
  host?: string;
  registry?: Registry;
  /** How long `start()` waits for Redis to answer (it may start after us). */
  redisWaitMs?: number;
  /** How long `stop()` lets requests in flight finish before cutting their connections. */
  drainTimeoutMs?: number;
}

// Longer than the idle timeout of common load balancers (60 s): the balancer must be the side
// that closes an idle connection, or a request sent as the server closes it gets a reset.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const HEADERS_TIMEOUT_MS = 66_000;

/** The ingest HTTP API: `start()` checks Redis and listens; `stop()` stops intake, then drains. */
export class IngestService {
  readonly store: Store;
  readonly registry: Registry;
  private server: http.Server | undefined;
  private refusals: ReturnType<typeof protocolRefusals> | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private readonly inFlight = new Set<http.ServerResponse>();

  constructor(private readonly options: IngestServiceOptions) {
    const { config } = options;
    this.store = new Store(options.redis, {
      prefix: config.keyPrefix,
      shards: config.shards,
      eventsMaxLen: config.eventsMaxLen,
      maxFreeAttempts: config.maxFreeAttempts,
    });
    this.registry = options.registry ?? createMetricsRegistry({ service: 'ingest' });
  }

  async start(): Promise<{ port: number }> {
    if (this.server !== undefined) throw new Error('IngestService is started already');
    const { config, redis, log, redisWaitMs = 30_000 } = this.options;
    await waitForRedis(redis, redisWaitMs);
    await checkRedis(redis, log);
    await this.store.ensureShardCount();
    if (this.stopping) throw new Error('IngestService was stopped while starting');

    const metrics = createIngestMetrics(this.registry);
    const destinations = new DestinationCheck({ allowPrivate: config.allowPrivateDestinations, lookup: this.options.lookup });
    const backpressure = new Backpressure({ store: this.store, maxBacklog: config.maxBacklog, maxMemoryFraction: config.maxRedisMemory });
    const listener = createRequestListener({
      config,
      store: this.store,
      log,
      registry: this.registry,
      metrics,
      destinations,
      backpressure,
      publisher: new MessagePublisher({ config, log, store: this.store, destinations, backpressure, metrics }),
      isStoreAvailable: () => redis.status === 'ready',
      isReady: () => this.isReady(),
    });
    const server = http.createServer();
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.headersTimeout = HEADERS_TIMEOUT_MS;
    const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      // Tracked before the app runs, so a drain can still mark responses that have not started.
      this.track(res);
      listener(req, res);
    };
    server.on('request', handle);
    // An Expect other than 100-continue is ignored (RFC 9110 allows that) rather than answered
    // with node's bare 417, which has no error envelope.
    server.on('checkExpectation', handle);
    const refusals = protocolRefusals(log);
    this.refusals = refusals;
    server.on('clientError', refusals.onClientError);
    server.on('connect', refusals.onConnect);
    this.server = server;
    server.listen(config.port, this.options.host);
    await once(server, 'listening');

    const { port, address } = server.address() as AddressInfo;
    if (config.apiToken === undefined) log.warn('FERRY_API_TOKEN is not set: the API accepts requests without a token');
    if (config.allowPrivateDestinations) log.warn('FERRY_ALLOW_PRIVATE_DESTINATIONS is on: messages may target internal networks');
    // Tests and parent processes started with PORT=0 read the port from this line.
    log.info({ port, host: address }, 'listening');
    return { port };
  }

  /** /readyz turns 503 and the listener closes at once; resolves when requests in flight are answered. */
  stop(): Promise<void> {
    this.stopped ??= this.drain();
    return this.stopped;
  }

  private async drain(): Promise<void> {
    this.stopping = true;
    const server = this.server;
    if (server === undefined) return;
    const { log, drainTimeoutMs = 10_000 } = this.options;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Kept-alive connections would otherwise stay open until their idle timeout.
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      log.warn({ inFlight: this.inFlight.size, drainTimeoutMs }, 'requests still in flight after the drain timeout; closing their connections');
      server.closeAllConnections();
      this.refusals?.closeAll();
    }, drainTimeoutMs);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
    }
    log.info('stopped');
  }

  private track(res: http.ServerResponse): void {
    this.inFlight.add(res);
    if (this.stopping) res.setHeader('Connection', 'close');
    res.once('close', () => {
      this.inFlight.delete(res);
      if (this.stopping) this.server?.closeIdleConnections();
    });
  }

  private async isReady(): Promise<boolean> {
    return !this.stopping && (await answersPing(this.options.redis));
  }
}
