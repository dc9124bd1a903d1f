import { createUndiciClient } from '../clients/undici-client';
import { startRedis, startSink } from '../harness';
import { publishRequest } from '../messages';
import { runPacedLoad } from '../paced-load';
import { percentile } from '../percentile';
import { atMost, ratioAtMost, row } from '../results';
import { alternate, medianRun, roundLabel } from '../rounds';
import { withScope, type Scope } from '../scope';
import type { RedisServer } from '../processes/redis-server';
import type { SinkClient } from '../sink-client';
import { defineScenario, type ScenarioContext } from './scenario';
import { startBullmqEndpoint, startBullmqWorker, startFerryDispatcher, startFerryIngest, type Endpoint } from './systems';

interface LatencyConfig {
  ratePerSecond: number;
  /** Sent before the measured stretch at the same rate, and left out of the figures. */
  warmupMs: number;
  durationMs: number;
  maxInFlight: number;
  /** Longest wait, after the last send, for every message to arrive. */
  deliveryTimeoutMs: number;
  /**
   * Each system is measured this many times, alternating; the run with the median p99 counts
   * (rounds.ts). A tail figure moves most with what else the machine does at the time.
   */
  rounds: number;
  budgetMs: number;
}

export interface LatencyFigures {
  messages: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Arrived before the sender had its 2xx: the consumer beat the API's answer back. */
  beforeAnswer: number;
  /** Sends that left more than 5 ms after their slot. */
  lateSends: number;
}

/**
 * Publish-to-delivery latency under a steady stream: from the moment the sender has its 2xx
 * (for BullMQ: the endpoint's 2xx after queue.add resolved) to the moment the message arrives
 * at the sink. Both instants are wall-clock µs read the same way in two processes on one machine.
 */
export const latency = defineScenario<LatencyConfig>({
  name: 'latency',
  summary: 'a steady 500 messages/s for 20 s with a consumer running: 2xx-to-arrival p50/p95/p99 vs BullMQ',
  config: (smoke) =>
    smoke
      ? { ratePerSecond: 200, warmupMs: 250, durationMs: 1_000, maxInFlight: 64, deliveryTimeoutMs: 10_000, rounds: 1, budgetMs: 30_000 }
      : { ratePerSecond: 500, warmupMs: 2_000, durationMs: 20_000, maxInFlight: 64, deliveryTimeoutMs: 30_000, rounds: 3, budgetMs: 360_000 },

  async run(ctx, config) {
    const runs = await alternate(config.rounds, {
      ferry: latencyRound(ctx, config, { name: 'Ferry, ingest + one dispatcher', key: 'ferry', startApi: startFerryIngest, startConsumer: startFerryDispatcher }),
      bullmq: latencyRound(ctx, config, { name: 'BullMQ, endpoint + one worker', key: 'bullmq', startApi: startBullmqEndpoint, startConsumer: startBullmqWorker }),
    });
    const byTail = (run: LatencyFigures) => run.p99Ms;
    const [ferry, bullmq] = [medianRun(runs.ferry, byTail), medianRun(runs.bullmq, byTail)];

    const versus = { baselineName: 'BullMQ', decimals: 2 };
    return {
      figures: { ferry, bullmq, rounds: runs },
      rows: [
        row('latency', { metric: 'p50 ms', ferry: ferry.p50Ms, baseline: bullmq.p50Ms, ...versus, targets: [ratioAtMost(1)] }),
        row('latency', { metric: 'p95 ms', ferry: ferry.p95Ms, baseline: bullmq.p95Ms, ...versus }),
        row('latency', { metric: 'p99 ms', ferry: ferry.p99Ms, baseline: bullmq.p99Ms, ...versus, targets: [ratioAtMost(1), atMost(10, 'ms')] }),
      ],
    };
  },
});

/** A system under test: its publishing API and its consumer, both on the round's own Redis. */
interface LatencySystem {
  /** For progress lines. */
  name: string;
  /** Used as the scope's name. */
  key: string;
  startApi: (scope: Scope, redis: RedisServer) => Promise<Endpoint>;
  startConsumer: (scope: Scope, redis: RedisServer) => Promise<unknown>;
}

/** One round of `alternate()`: a fresh Redis, sink, API and consumer, then the paced load. */
function latencyRound(ctx: ScenarioContext, config: LatencyConfig, system: LatencySystem): (round: number) => Promise<LatencyFigures> {
  return (round) => {
    ctx.progress.step(`latency: ${system.name}${roundLabel(round, config.rounds)}`);
    return withScope(ctx.scope, `${system.key}-${round}`, async (scope) => {
      const redis = await startRedis(scope);
      const sink = await startSink(scope, sinkRecords(config));
      const api = await system.startApi(scope, redis);
      await system.startConsumer(scope, redis);
      return measureLatency(ctx, sink, api.url, config);
    });
  };
}

const counts = (config: LatencyConfig) => {
  const warmup = Math.round((config.ratePerSecond * config.warmupMs) / 1000);
  return { warmup, total: warmup + Math.round((config.ratePerSecond * config.durationMs) / 1000) };
};

// Every message's record must still be there when they are read at the end.
const sinkRecords = (config: LatencyConfig): number => counts(config).total + 1_000;

async function measureLatency(ctx: ScenarioContext, sink: SinkClient, api: string, config: LatencyConfig): Promise<LatencyFigures> {
  const { warmup, total } = counts(config);
  const body = JSON.stringify(publishRequest(sink.url('latency')));
  const answers: Array<{ id: string; answeredUs: number } | undefined> = new Array(total);
  const client = createUndiciClient({ connections: config.maxInFlight, requestTimeoutMs: 10_000 });
  const paced = await runPacedLoad(client, {
    url: `${api}/v1/messages`,
    body,
    ratePerSecond: config.ratePerSecond,
    count: total,
    maxInFlight: config.maxInFlight,
    signal: ctx.signal,
    onAnswer: (i, text, answeredUs) => (answers[i] = { id: (JSON.parse(text) as { messageId: string }).messageId, answeredUs }),
    onProgress: (sent) => ctx.progress.update(`${sent} of ${total} sent`),
  }).finally(() => client.close());
  const received = await sink.waitForReceived(total, {
    timeoutMs: config.deliveryTimeoutMs,
    signal: ctx.signal,
    onPoll: (n) => ctx.progress.update(`${n} of ${total} delivered`),
  });
  if (received < total) throw new Error(`only ${received} of ${total} messages reached the sink within ${config.deliveryTimeoutMs} ms of the last send`);

  // Arrivals are stamped by the sink's clock; put them on this process's clock first.
  const offsetUs = await sink.clockOffsetUs();
  const arrivedUs = new Map<string, number>();
  for (const record of await sink.arrivals(0)) {
    if (record.messageId !== null && !arrivedUs.has(record.messageId)) arrivedUs.set(record.messageId, record.atUs - offsetUs);
  }
  const latencies: number[] = [];
  for (let i = warmup; i < total; i++) {
    const answer = answers[i];
    const atUs = answer === undefined ? undefined : arrivedUs.get(answer.id);
    if (answer === undefined || atUs === undefined) throw new Error(`message ${i} (${answer?.id ?? 'never answered'}) has no arrival at the sink`);
    latencies.push((atUs - answer.answeredUs) / 1000);
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    messages: sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: percentile(sorted, 100),
    beforeAnswer: latencies.filter((ms) => ms < 0).length,
    lateSends: paced.lateSends,
  };
}
