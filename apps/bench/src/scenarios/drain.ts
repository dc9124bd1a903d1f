import { fillQueue, fillStore, type FillOptions } from '../fill';
import { openQueue, openStore, startBaselineProcess, startRedis, startSink } from '../harness';
import { BODY_1K, enqueueRequest, publishRequest } from '../messages';
import { ratioAtLeast, row } from '../results';
import { alternate, medianRun, roundLabel } from '../rounds';
import { withScope, type Scope } from '../scope';
import type { ManagedProcess } from '../processes/managed-process';
import type { RedisServer } from '../processes/redis-server';
import type { SinkClient, SinkStats } from '../sink-client';
import { sleep } from '../wait';
import { drainFigures, watchArrivals, type DrainFigures } from './arrivals';
import { describeDrainCeiling } from './drain-ceiling';
import { fillOptions } from './fill-options';
import { defineScenario, type ScenarioContext } from './scenario';
import { CONSUMER_CONCURRENCY, startBullmqWorker, startFerryDispatcher } from './systems';

interface DrainConfig {
  messages: number;
  /** Each system is measured this many times, alternating; the median run counts (rounds.ts). */
  rounds: number;
  concurrency: number;
  fillChunk: number;
  fillTimeoutMs: number;
  /** Longest wait for every message to arrive once the consumer runs. */
  deliveryTimeoutMs: number;
  budgetMs: number;
}

const TARGET_VS_BULLMQ = 2.0;

// The ring only needs the first arrivals until they are read and the last few at the end.
const SINK_RECORDS = 20_000;

/**
 * Delivery throughput from a full queue: one Ferry dispatcher vs one BullMQ worker process vs
 * undici posting straight to the sink (the ceiling), each at the same concurrency. The queue is
 * filled first and the consumer started after, so the fill's work does not share the CPU with
 * the drain; the clock runs from the first arrival at the sink to the last, so process start-up
 * is not in the figure either.
 */
export const drain = defineScenario<DrainConfig>({
  name: 'drain',
  summary: '50 000 queued 1 KiB messages into the sink: deliveries/s of one dispatcher vs a BullMQ worker vs undici direct',
  config: (smoke) =>
    smoke
      ? { messages: 500, rounds: 1, concurrency: CONSUMER_CONCURRENCY, fillChunk: 500, fillTimeoutMs: 10_000, deliveryTimeoutMs: 15_000, budgetMs: 40_000 }
      : { messages: 50_000, rounds: 3, concurrency: CONSUMER_CONCURRENCY, fillChunk: 1_000, fillTimeoutMs: 60_000, deliveryTimeoutMs: 120_000, budgetMs: 900_000 },

  async run(ctx, config) {
    const step = (what: string, round: number) => ctx.progress.step(`drain: ${what}${roundLabel(round, config.rounds)}`);
    const runs = await alternate(config.rounds, {
      ferry: (round) => {
        step('Ferry, one dispatcher', round);
        return drainQueued(ctx, config, `ferry-${round}`, {
          fill: async (redis, url, options) => {
            const store = await openStore(redis);
            return fillStore(store, config.messages, () => enqueueRequest(url, BODY_1K), options);
          },
          startConsumer: startFerryDispatcher,
        });
      },
      bullmq: (round) => {
        step('BullMQ, one worker', round);
        return drainQueued(ctx, config, `bullmq-${round}`, {
          fill: async (redis, url, options, scope) => {
            const queue = await openQueue(scope, redis);
            const data = publishRequest(url);
            return fillQueue(queue, config.messages, () => ({ data }), options);
          },
          startConsumer: startBullmqWorker,
        });
      },
      undiciDirect: (round) => {
        step('undici direct', round);
        return withScope(ctx.scope, `undici-direct-${round}`, async (scope) => {
          const sink = await startSink(scope, SINK_RECORDS);
          return measureDrain(ctx, { sink, fillMs: 0 }, config, async () => {
            const sender = await startBaselineProcess(scope, 'undici-direct', {
              BENCH_URL: sink.url('drain'),
              BENCH_COUNT: String(config.messages),
              BENCH_CONCURRENCY: String(config.concurrency),
            });
            return { process: sender.process, go: () => sender.process.send('go') };
          });
        });
      },
    });
    const byRate = (run: DrainRunFigures) => run.deliveriesPerSecond;
    const [ferry, bullmq, direct] = [medianRun(runs.ferry, byRate), medianRun(runs.bullmq, byRate), medianRun(runs.undiciDirect, byRate)];

    const rate = ferry.deliveriesPerSecond;
    const ceiling = describeDrainCeiling({ ferry: rate, bullmq: bullmq.deliveriesPerSecond, direct: direct.deliveriesPerSecond }, TARGET_VS_BULLMQ);
    return {
      figures: { ferry, bullmq, undiciDirect: direct, rounds: runs },
      rows: [
        row('drain', { metric: 'deliveries/s', ferry: rate, baselineName: 'BullMQ worker', baseline: bullmq.deliveriesPerSecond, targets: [ratioAtLeast(TARGET_VS_BULLMQ)] }),
        row('drain', { metric: 'deliveries/s', ferry: rate, baselineName: 'undici direct', baseline: direct.deliveriesPerSecond, targets: [ratioAtLeast(0.6)] }),
      ],
      notes: [...(ceiling === undefined ? [] : [ceiling]), ...repeatsNote(runs, config.messages)],
    };
  },
});

interface DrainRun {
  sink: SinkClient;
  redis?: RedisServer;
  /** How long filling the queue took, before the consumer started (0 without a queue). */
  fillMs: number;
}

/**
 * Starts the process that delivers (dispatcher, worker, or the direct sender) and answers when
 * it is ready; `go`, if given, tells it to begin.
 */
type StartConsumer = () => Promise<{ process: ManagedProcess; go?: () => void }>;

export interface DrainRunFigures extends DrainFigures {
  /**
   * The sink's count once the consumer had nothing left to send: every queued message exactly
   * once is `messages` requests, all answered 200. More means repeats (a duplicate delivery, or a
   * retry), which the rate counted as deliveries; see `repeatsNote`.
   */
  settled: { received: number; answered200: number };
  /**
   * CPU per delivery, µs, from the consumer being ready to the last arrival: its own, Redis's and
   * the sink's. All three share the machine's cores, so when the CPU is the limit the rates of two
   * systems compare about as the inverse of their sums.
   */
  cpuMicrosPerDelivery: { consumer: number; redis: number | null; sink: number | null };
}

/** How one system fills its queue and starts the process that drains it. */
interface QueuedSystem {
  fill: (redis: RedisServer, url: string, options: FillOptions, scope: Scope) => Promise<{ elapsedMs: number }>;
  startConsumer: (scope: Scope, redis: RedisServer) => Promise<ManagedProcess>;
}

/** One round of a system with a queue: a fresh Redis and sink, the queue filled, then drained. */
function drainQueued(ctx: ScenarioContext, config: DrainConfig, name: string, system: QueuedSystem): Promise<DrainRunFigures> {
  return withScope(ctx.scope, name, async (scope) => {
    const [redis, sink] = await Promise.all([startRedis(scope), startSink(scope, SINK_RECORDS)]);
    const fill = await system.fill(redis, sink.url('drain'), fillOptions(ctx, config.messages, config), scope);
    return measureDrain(ctx, { sink, redis, fillMs: fill.elapsedMs }, config, async () => ({ process: await system.startConsumer(scope, redis) }));
  });
}

async function measureDrain(ctx: ScenarioContext, run: DrainRun, config: DrainConfig, startConsumer: StartConsumer): Promise<DrainRunFigures> {
  const arrivals = watchArrivals(ctx, run.sink, config.messages, config.deliveryTimeoutMs);
  const redisCpu = run.redis?.cpuMicros() ?? NaN;
  const { process: consumer, go } = await startConsumer();
  const consumerCpu = consumer.cpuMicros() ?? NaN;
  const sinkCpu = run.sink.cpuMicros() ?? NaN;
  go?.();
  const span = await arrivals;
  const redisCpuAfter = run.redis?.cpuMicros();
  const sinkCpuAfter = run.sink.cpuMicros();
  const cpuMicrosPerDelivery = {
    consumer: ((consumer.cpuMicros() ?? NaN) - consumerCpu) / config.messages,
    redis: redisCpuAfter === undefined ? null : (redisCpuAfter - redisCpu) / config.messages,
    sink: sinkCpuAfter === undefined ? null : (sinkCpuAfter - sinkCpu) / config.messages,
  };
  const figures = await drainFigures(run.sink, span, run.fillMs);
  const settled = await settledStats(run.sink, ctx.signal);
  return { ...figures, cpuMicrosPerDelivery, settled: { received: settled.received, answered200: settled.byStatus['200'] ?? 0 } };
}

const SETTLE_POLL_MS = 50;
const SETTLE_QUIET_POLLS = 4;
const SETTLE_TIMEOUT_MS = 5_000;

/** The sink's stats once nothing is in flight and its count has not moved for a few polls (or after a few seconds). */
async function settledStats(sink: SinkClient, signal: AbortSignal): Promise<SinkStats> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let stats = await sink.stats();
  for (let quiet = 0; quiet < SETTLE_QUIET_POLLS && Date.now() < deadline; ) {
    await sleep(SETTLE_POLL_MS, signal);
    const next = await sink.stats();
    quiet = next.inFlight === 0 && next.received === stats.received ? quiet + 1 : 0;
    stats = next;
  }
  return stats;
}

/**
 * A line for each round in which the sink saw more requests than messages were queued, or
 * answers other than 200: its rate counted those as deliveries. None in a healthy run.
 */
export function repeatsNote(runs: Record<string, DrainRunFigures[]>, messages: number): string[] {
  const notes: string[] = [];
  for (const [system, rounds] of Object.entries(runs)) {
    rounds.forEach(({ settled }, i) => {
      const repeats = settled.received - messages;
      const failed = settled.received - settled.answered200;
      if (repeats > 0 || failed > 0) {
        notes.push(`drain: ${system} round ${i + 1} sent ${settled.received} requests for ${messages} messages (${failed} not answered 200); its rate counts them all`);
      }
    });
  }
  return notes;
}
