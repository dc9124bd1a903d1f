import { fillQueue, fillStore } from '../fill';
import { openQueue, openStore, startRedis, startSink } from '../harness';
import { BODY_1K, enqueueRequest, publishRequest } from '../messages';
import { percentile } from '../percentile';
import { atMost, count, row } from '../results';
import { withScope } from '../scope';
import type { SinkClient } from '../sink-client';
import { fillOptions } from './fill-options';
import { defineScenario, type ScenarioContext } from './scenario';
import { startBullmqWorker, startFerryDispatcher, startFerryScheduler } from './systems';

interface SchedulingConfig {
  messages: number;
  /** The first message is due this long after the fill starts; the fill must finish within it. */
  leadMs: number;
  /** Due times are spread evenly over this stretch. */
  spreadMs: number;
  fillChunk: number;
  /** How long after the last due time the run waits for stragglers. */
  graceMs: number;
  budgetMs: number;
}

export interface SchedulingFigures {
  messages: number;
  arrived: number;
  /** Sink arrival minus the message's due time, over the messages that arrived. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Arrived before their due time (should be none). */
  early: number;
  /**
   * Deliveries per second from the first arrival to the last. Below messages / spread, the
   * consumer cannot keep up with the due times and lateness grows with the throughput deficit.
   */
  burstDeliveriesPerSecond: number;
  /** The fill was still running when the first message fell due. */
  fillOverranLead: boolean;
}

/**
 * How punctual scheduled delivery is: messages due at instants spread over one second, a few
 * seconds ahead; lateness is arrival at the sink minus the due time. Ferry: notBefore through
 * the Store, with its scheduler and one dispatcher; BullMQ: delayed jobs and one worker.
 */
export const scheduling = defineScenario<SchedulingConfig>({
  name: 'scheduling',
  summary: '10 000 messages due over one second, 3 s ahead: lateness p50/p99 and arrivals vs BullMQ delayed jobs',
  config: (smoke) =>
    smoke
      ? { messages: 300, leadMs: 1_000, spreadMs: 1_000, fillChunk: 300, graceMs: 5_000, budgetMs: 30_000 }
      : { messages: 10_000, leadMs: 3_000, spreadMs: 1_000, fillChunk: 1_000, graceMs: 10_000, budgetMs: 120_000 },

  async run(ctx, config) {
    ctx.progress.step('scheduling: Ferry, scheduler + one dispatcher');
    const ferry = await withScope(ctx.scope, 'ferry', async (scope) => {
      const redis = await startRedis(scope);
      const sink = await startSink(scope, config.messages + 1_000);
      await startFerryScheduler(scope, redis);
      await startFerryDispatcher(scope, redis);
      const store = await openStore(redis);
      const url = sink.url('scheduling');
      return measureLateness(ctx, sink, config, async (dueAt, dueById) => {
        await fillStore(store, config.messages, (i) => enqueueRequest(url, BODY_1K, dueAt(i)), {
          ...fillOptions(ctx, config.messages, { ...config, fillTimeoutMs: config.leadMs }),
          onEnqueued: (i, id) => dueById.set(id, dueAt(i)),
        });
      });
    });

    ctx.progress.step('scheduling: BullMQ delayed jobs, one worker');
    const bullmq = await withScope(ctx.scope, 'bullmq', async (scope) => {
      const redis = await startRedis(scope);
      const sink = await startSink(scope, config.messages + 1_000);
      await startBullmqWorker(scope, redis);
      const queue = await openQueue(scope, redis);
      const data = publishRequest(sink.url('scheduling'));
      return measureLateness(ctx, sink, config, async (dueAt, dueById) => {
        // BullMQ takes a delay, relative to the moment the job is created: computed just before
        // each addBulk, it can only err late (by microseconds), never early.
        await fillQueue(queue, config.messages, (i) => ({ data, opts: { delay: Math.max(0, dueAt(i) - Date.now()) } }), {
          ...fillOptions(ctx, config.messages, { ...config, fillTimeoutMs: config.leadMs }),
          onAdded: (i, id) => dueById.set(id, dueAt(i)),
        });
      });
    });

    const versus = { baselineName: 'BullMQ', decimals: 1 };
    return {
      figures: { ferry, bullmq },
      rows: [
        row('scheduling', { metric: 'lateness p50 ms', ferry: ferry.p50Ms, baseline: bullmq.p50Ms, ...versus }),
        row('scheduling', { metric: 'lateness p99 ms', ferry: ferry.p99Ms, baseline: bullmq.p99Ms, ...versus, targets: [atMost(50, 'ms')] }),
        row('scheduling', { metric: `arrived of ${count(config.messages)}`, ferry: ferry.arrived, baseline: bullmq.arrived, baselineName: 'BullMQ' }),
      ],
    };
  },
});

type Publish = (dueAt: (index: number) => number, dueById: Map<string, number>) => Promise<void>;

async function measureLateness(ctx: ScenarioContext, sink: SinkClient, config: SchedulingConfig, publish: Publish): Promise<SchedulingFigures> {
  const start = Date.now() + config.leadMs;
  const dueAt = (i: number): number => start + Math.floor((i * config.spreadMs) / config.messages);
  const dueById = new Map<string, number>();
  await publish(dueAt, dueById);
  const fillOverranLead = Date.now() > start;

  const arrivedBy = start + config.spreadMs + config.graceMs;
  await sink.waitForReceived(config.messages, {
    timeoutMs: Math.max(0, arrivedBy - Date.now()),
    signal: ctx.signal,
    onPoll: (n) => ctx.progress.update(`${n} of ${config.messages} delivered`),
  });

  const lateness: number[] = [];
  const seen = new Set<string>();
  let firstUs = Infinity;
  let lastUs = -Infinity;
  for (const record of await sink.arrivals(0)) {
    const id = record.messageId;
    const due = id === null ? undefined : dueById.get(id);
    if (id === null || due === undefined || seen.has(id)) continue;
    seen.add(id);
    // Due times come from Date.now(), as Redis's TIME does: the sink's `at` is the same wall clock.
    lateness.push(record.at - due);
    firstUs = Math.min(firstUs, record.atUs);
    lastUs = Math.max(lastUs, record.atUs);
  }
  const sorted = Float64Array.from(lateness).sort();
  return {
    messages: config.messages,
    arrived: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: percentile(sorted, 100),
    early: lateness.filter((ms) => ms < 0).length,
    burstDeliveriesPerSecond: lastUs > firstUs ? (sorted.length - 1) / ((lastUs - firstUs) / 1e6) : NaN,
    fillOverranLead,
  };
}
