import { fillQueue, fillStore } from '../fill';
import { openQueue, openStore, startBaselineProcess, startRedis, startSink } from '../harness';
import { BODY_1K, enqueueRequest, publishRequest } from '../messages';
import { ratioAtLeast, row } from '../results';
import { withScope } from '../scope';
import type { ManagedProcess } from '../processes/managed-process';
import type { RedisServer } from '../processes/redis-server';
import type { SinkClient } from '../sink-client';
import { drainFigures, watchArrivals, type DrainFigures } from './arrivals';
import { fillOptions } from './fill-options';
import { defineScenario, type ScenarioContext } from './scenario';
import { CONSUMER_CONCURRENCY, startBullmqWorker, startFerryDispatcher } from './systems';

interface DrainConfig {
  messages: number;
  concurrency: number;
  fillChunk: number;
  fillTimeoutMs: number;
  /** Longest wait for every message to arrive once the consumer runs. */
  deliveryTimeoutMs: number;
  budgetMs: number;
}

// The ring only needs the first arrivals until they are read and the last few at the end.
const SINK_RECORDS = 20_000;

/**
 * Delivery throughput from a full queue: one Ferry dispatcher vs one BullMQ worker process vs
 * undici posting straight to the sink (the ceiling), each at the same concurrency. The consumer
 * is started and ready before the queue is filled; the clock runs from the first arrival at the
 * sink to the last, so process start-up is not in the figure.
 */
export const drain = defineScenario<DrainConfig>({
  name: 'drain',
  summary: '50 000 queued 1 KiB messages into the sink: deliveries/s of one dispatcher vs a BullMQ worker vs undici direct',
  config: (smoke) =>
    smoke
      ? { messages: 500, concurrency: CONSUMER_CONCURRENCY, fillChunk: 500, fillTimeoutMs: 10_000, deliveryTimeoutMs: 15_000, budgetMs: 40_000 }
      : { messages: 50_000, concurrency: CONSUMER_CONCURRENCY, fillChunk: 1_000, fillTimeoutMs: 60_000, deliveryTimeoutMs: 120_000, budgetMs: 420_000 },

  async run(ctx, config) {
    ctx.progress.step('drain: Ferry, one dispatcher');
    const ferry = await withScope(ctx.scope, 'ferry', async (scope) => {
      const [redis, sink] = await Promise.all([startRedis(scope), startSink(scope, SINK_RECORDS)]);
      const dispatcher = await startFerryDispatcher(scope, redis);
      const store = await openStore(redis);
      const url = sink.url('drain');
      return measureDrain(ctx, { sink, consumer: dispatcher, redis }, config, () =>
        fillStore(store, config.messages, () => enqueueRequest(url, BODY_1K), fillOptions(ctx, config.messages, config)).then((r) => r.elapsedMs),
      );
    });

    ctx.progress.step('drain: BullMQ, one worker');
    const bullmq = await withScope(ctx.scope, 'bullmq', async (scope) => {
      const [redis, sink] = await Promise.all([startRedis(scope), startSink(scope, SINK_RECORDS)]);
      const worker = await startBullmqWorker(scope, redis);
      const queue = await openQueue(scope, redis);
      const data = publishRequest(sink.url('drain'));
      return measureDrain(ctx, { sink, consumer: worker, redis }, config, () =>
        fillQueue(queue, config.messages, () => ({ data }), fillOptions(ctx, config.messages, config)).then((r) => r.elapsedMs),
      );
    });

    ctx.progress.step('drain: undici direct');
    const direct = await withScope(ctx.scope, 'undici-direct', async (scope) => {
      const sink = await startSink(scope, SINK_RECORDS);
      const sender = await startBaselineProcess(scope, 'undici-direct', {
        BENCH_URL: sink.url('drain'),
        BENCH_COUNT: String(config.messages),
        BENCH_CONCURRENCY: String(config.concurrency),
      });
      return measureDrain(ctx, { sink, consumer: sender.process }, config, async () => {
        sender.process.send('go');
        return 0;
      });
    });

    const rate = ferry.deliveriesPerSecond;
    return {
      figures: { ferry, bullmq, undiciDirect: direct },
      rows: [
        row('drain', { metric: 'deliveries/s', ferry: rate, baselineName: 'BullMQ worker', baseline: bullmq.deliveriesPerSecond, targets: [ratioAtLeast(2.0)] }),
        row('drain', { metric: 'deliveries/s', ferry: rate, baselineName: 'undici direct', baseline: direct.deliveriesPerSecond, targets: [ratioAtLeast(0.6)] }),
      ],
    };
  },
});

interface DrainRun {
  sink: SinkClient;
  /** The process that delivers: dispatcher, worker, or the direct sender. */
  consumer: ManagedProcess;
  redis?: RedisServer;
}

export interface DrainRunFigures extends DrainFigures {
  /**
   * CPU per delivery, µs, from the fill's start to the last arrival: the consumer's own, and
   * Redis's (which includes what the fill cost it).
   */
  cpuMicrosPerDelivery: { consumer: number; redis: number | null };
}

async function measureDrain(ctx: ScenarioContext, run: DrainRun, config: DrainConfig, fill: () => Promise<number>): Promise<DrainRunFigures> {
  const consumerCpu = run.consumer.cpuMicros() ?? NaN;
  const redisCpu = run.redis?.cpuMicros() ?? NaN;
  const arrivals = watchArrivals(ctx, run.sink, config.messages, config.fillTimeoutMs + config.deliveryTimeoutMs);
  const fillMs = await fill();
  const span = await arrivals;
  const redisCpuAfter = run.redis?.cpuMicros();
  const cpuMicrosPerDelivery = {
    consumer: ((run.consumer.cpuMicros() ?? NaN) - consumerCpu) / config.messages,
    redis: redisCpuAfter === undefined ? null : (redisCpuAfter - redisCpu) / config.messages,
  };
  const figures = { ...(await drainFigures(run.sink, span, fillMs)), cpuMicrosPerDelivery };
  // The consumer may have been waiting on the fill rather than the other way round.
  if (fillMs > figures.spanMs * 0.8) ctx.progress.note(`  note: the fill took ${fillMs.toFixed(0)} ms of a ${figures.spanMs.toFixed(0)} ms drain; the rate may be the fill's`);
  return figures;
}
