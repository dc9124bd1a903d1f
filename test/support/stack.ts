import { RedisServer, type RedisServerOptions } from './redis-server';
import { ServiceProcess } from './service-process';
import { getJson, postJson } from './http';
import { waitFor } from './wait';

/** Records asked of the sink per listing: the most it answers at once. */
const SINK_PAGE = 10_000;

/** Settings that make retries and lease recovery quick enough to watch in a test. */
export const FAST_ENV: Record<string, string> = {
  FERRY_ALLOW_PRIVATE_DESTINATIONS: 'true',
  FERRY_RETRY_BASE_MS: '200',
  FERRY_RETRY_FACTOR: '2',
  FERRY_RETRY_MAX_MS: '5000',
  FERRY_DELIVERY_TIMEOUT_MS: '2000',
  FERRY_LEASE_MS: '7000',
  FERRY_REAP_INTERVAL_MS: '200',
  FERRY_SHUTDOWN_TIMEOUT_MS: '10000',
};

export interface StackOptions {
  /** Added to FAST_ENV for every service. */
  env?: Record<string, string>;
  redis?: RedisServerOptions;
  /** Dispatchers started with the stack; 1 unless given. */
  dispatchers?: number;
}

/**
 * For tests that each start their own stack: answers a `start` whose stacks are all stopped
 * after each test, passed or failed.
 */
export function stacksStoppedAfterEach(): (options?: StackOptions) => Promise<Stack> {
  let started: Stack[] = [];
  afterEach(async () => {
    const running = started;
    started = [];
    await Promise.all(running.map((stack) => stack.stop()));
  });
  return async (options) => {
    const stack = await Stack.start(options);
    started.push(stack);
    return stack;
  };
}

/**
 * Redis, the sink and the three services as separate processes: what `npm start` runs, with
 * every process reachable for crashes and restarts.
 */
export class Stack {
  readonly dispatchers: ServiceProcess[] = [];
  private readonly extraSinks: ServiceProcess[] = [];
  ingest!: ServiceProcess;
  scheduler!: ServiceProcess;
  sink!: ServiceProcess;

  private constructor(
    readonly redis: RedisServer,
    readonly env: Record<string, string>,
  ) {}

  static async start(options: StackOptions = {}): Promise<Stack> {
    const redis = await RedisServer.start(options.redis);
    const stack = new Stack(redis, { ...FAST_ENV, ...options.env, REDIS_URL: redis.url });
    try {
      // Started one by one, so a failure leaves no process the stack does not know about.
      stack.sink = await ServiceProcess.start('sink', {});
      stack.ingest = await ServiceProcess.start('ingest', stack.env);
      stack.scheduler = await ServiceProcess.start('scheduler', stack.env);
      for (let i = 0; i < (options.dispatchers ?? 1); i++) await stack.addDispatcher();
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  async addDispatcher(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const dispatcher = await ServiceProcess.start('dispatcher', { ...this.env, ...env });
    this.dispatchers.push(dispatcher);
    return dispatcher;
  }

  /** Another sink: a second destination origin. Stopped with the stack. */
  async addSink(): Promise<ServiceProcess> {
    const sink = await ServiceProcess.start('sink', {});
    this.extraSinks.push(sink);
    return sink;
  }

  /** A destination URL on the sink; the path picks the sink's behaviour (ok, flaky/2, status/500…). */
  sinkUrl(path: string): string {
    return `${this.sink.url}/${path.replace(/^\//, '')}`;
  }

  /** Every record the sink keeps that matches `query` (`?messageId=…`), oldest first, read a page at a time. */
  async sinkRequests(query = '', sink: ServiceProcess = this.sink): Promise<Array<Record<string, any>>> {
    const filter = query.replace(/^\?/, '');
    const all: Array<Record<string, any>> = [];
    for (let since = 0; ; ) {
      const page: Array<Record<string, any>> = (await getJson(`${sink.url}/_sink/requests?since=${since}&limit=${SINK_PAGE}${filter ? `&${filter}` : ''}`)).body;
      all.push(...page);
      if (page.length < SINK_PAGE) return all;
      since = page[page.length - 1]!.seq;
    }
  }

  async sinkStats(sink: ServiceProcess = this.sink): Promise<Record<string, any>> {
    return (await getJson(`${sink.url}/_sink/stats`)).body;
  }

  /** Publishes in batches of 100; answers the message ids in order. */
  async publishAll(messages: Array<Record<string, unknown>>): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < messages.length; start += 100) {
      const { status, body } = await postJson(`${this.ingest.url}/v1/messages/batch`, messages.slice(start, start + 100));
      if (status !== 202) throw new Error(`batch refused: ${status} ${JSON.stringify(body)}`);
      ids.push(...body.results.map((r: { messageId: string }) => r.messageId));
    }
    return ids;
  }

  /** Changes a destination's settings through the API. */
  async configureDestination(origin: string, settings: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${this.ingest.url}/v1/destinations/${encodeURIComponent(origin)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    if (response.status !== 200) throw new Error(`destination settings refused: ${response.status} ${await response.text()}`);
  }

  async message(id: string): Promise<Record<string, any>> {
    return (await getJson(`${this.ingest.url}/v1/messages/${id}`)).body;
  }

  /** Waits until every message is in one of the given states; answers their views. */
  async waitForStates(ids: string[], states: string[], timeoutMs = 30_000): Promise<Array<Record<string, any>>> {
    return waitFor(
      async () => {
        const views = await Promise.all(ids.map((id) => this.message(id)));
        return views.every((view) => states.includes(view.state)) ? views : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `${ids.length} messages to reach ${states.join('/')}` },
    );
  }

  async stop(): Promise<void> {
    const services = [this.ingest, this.scheduler, this.sink, ...this.extraSinks, ...this.dispatchers].filter(Boolean);
    await Promise.all(services.map((service) => service.kill9()));
    await this.redis.destroy();
  }
}
