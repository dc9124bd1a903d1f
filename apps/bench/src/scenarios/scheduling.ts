import { eventTimes } from '@ferry/store';
import { fillQueue, fillStore } from '../fill';
import { openQueue, openStore, startRedis, startSink } from '../harness';
import { BODY_1K, enqueueRequest, publishRequest } from '../messages';
import { percentile } from '../percentile';
import { atMost, row } from '../results';
import { alternate, medianRun, roundLabel } from '../rounds';
import { withScope } from '../scope';
import type { SinkArrival, SinkClient } from '../sink-client';
import { sleep } from '../wait';
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
  /**
   * Each system is measured this many times, alternating, and the run with the median p99
   * stands for it (rounds.ts): one run's tail says as much about the minute as the scheduler.
   */
  rounds: number;
  budgetMs: number;
}

/** How late a step came after the due time, over the messages that reached it. */
export interface LatenessFigures {
  /** Messages that reached the step. */
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Reached it before their due time (should be none). */
  early: number;
}

export interface SchedulingFigures {
  messages: number;
  /** Sink arrival minus due time: bound by delivery throughput once many fall due at once. */
  arrival: LatenessFigures;
  /**
   * Deliveries per second from the first arrival to the last. Below messages / spread, the
   * consumer cannot keep up with the due times and lateness grows with the throughput deficit.
   */
  burstDeliveriesPerSecond: number;
  /** The fill was still running when the first message fell due. */
  fillOverranLead: boolean;
}

/** Ferry's figures: the scheduler's own precision besides what both systems have. */
export interface FerrySchedulingFigures extends SchedulingFigures {
  /**
   * Promotion into the destination's ready list (Redis's clock, read from the `ready` events)
   * minus due time. BullMQ keeps no record of when a delayed job became waiting that could be
   * read without changing what is measured.
   */
  ready: LatenessFigures;
}

/**
 * Each message writes four events (accepted, ready, leased, delivered), all into the one shard of
 * the sink's destination, and the default trim (10 000 a shard) would drop ready events before
 * they are read. The streams are read once the run is over rather than followed with XREAD
 * while it runs: a reader polling Redis during the measured second would take CPU from the
 * scheduler on a two-core machine, while a longer stream costs only memory (a few MB here).
 */
const eventsMaxLen = (messages: number): number => Math.max(10_000, messages * 8);

/**
 * How punctual scheduled delivery is: messages due at instants spread over one second, a few
 * seconds ahead. Ready lateness (Ferry only) is promotion into the ready list minus the due
 * time: the scheduler's precision. Arrival lateness is arrival at the sink minus the due time:
 * with 10 000 due within a second it is bound by how fast one consumer delivers. Ferry: notBefore
 * through the Store, with its scheduler and one dispatcher; BullMQ: delayed jobs and one worker.
 * Each is measured three times, alternating, like the throughput and latency scenarios.
 */
export const scheduling = defineScenario<SchedulingConfig>({
  name: 'scheduling',
  summary: '10 000 messages due over one second, 3 s ahead: ready and arrival lateness p50/p99 vs BullMQ delayed jobs',
  config: (smoke) =>
    smoke
      ? { messages: 300, leadMs: 1_000, spreadMs: 1_000, fillChunk: 300, graceMs: 5_000, rounds: 1, budgetMs: 30_000 }
      : { messages: 10_000, leadMs: 3_000, spreadMs: 1_000, fillChunk: 1_000, graceMs: 10_000, rounds: 3, budgetMs: 300_000 },

  async run(ctx, config) {
    const runs = await alternate(config.rounds, {
      ferry: (round) => measureFerry(ctx, config, round),
      bullmq: (round) => measureBullmq(ctx, config, round),
    });
    // Ferry's ready rows from its run with the median ready p99 (the scheduler's own precision,
    // the target); the arrival rows, on both sides, from the run with the median arrival p99.
    const ferry = medianRun(runs.ferry, (run) => run.ready.p99Ms);
    const ferryArrival = medianRun(runs.ferry, (run) => run.arrival.p99Ms);
    const bullmq = medianRun(runs.bullmq, (run) => run.arrival.p99Ms);

    const versus = { baselineName: 'BullMQ', decimals: 1 };
    return {
      figures: { ferry, ferryArrival, bullmq, rounds: runs },
      rows: [
        // BullMQ has no ready time to compare with (see FerrySchedulingFigures.ready): no baseline.
        row('scheduling', { metric: 'ready lateness p50 ms', ferry: ferry.ready.p50Ms, decimals: 1 }),
        row('scheduling', { metric: 'ready lateness p99 ms', ferry: ferry.ready.p99Ms, decimals: 1, targets: [atMost(50, 'ms')] }),
        row('scheduling', { metric: 'arrival lateness p50 ms', ferry: ferryArrival.arrival.p50Ms, baseline: bullmq.arrival.p50Ms, ...versus }),
        row('scheduling', { metric: 'arrival lateness p99 ms', ferry: ferryArrival.arrival.p99Ms, baseline: bullmq.arrival.p99Ms, ...versus }),
      ],
    };
  },
});

/** One Ferry round: a fresh Redis and sink, the scheduler and one dispatcher, then the due burst. */
function measureFerry(ctx: ScenarioContext, config: SchedulingConfig, round: number): Promise<FerrySchedulingFigures> {
  ctx.progress.step(`scheduling: Ferry, scheduler + one dispatcher${roundLabel(round, config.rounds)}`);
  return withScope(ctx.scope, `ferry-${round}`, async (scope) => {
    const redis = await startRedis(scope);
    const sink = await startSink(scope, config.messages + 1_000);
    const maxLen = eventsMaxLen(config.messages);
    const env = { FERRY_EVENTS_MAXLEN: String(maxLen) };
    await startFerryScheduler(scope, redis, env);
    await startFerryDispatcher(scope, redis, env);
    const store = await openStore(redis, { eventsMaxLen: maxLen });
    const url = sink.url('scheduling');
    const publish: Publish = async (dueAt, dueById) => {
      await fillStore(store, config.messages, (i) => enqueueRequest(url, BODY_1K, dueAt(i)), {
        ...fillOptions(ctx, config.messages, { ...config, fillTimeoutMs: config.leadMs }),
        onEnqueued: (i, id) => dueById.set(id, dueAt(i)),
      });
    };
    const { figures, dueById } = await measureLateness(ctx, sink, config, publish);
    return { ...figures, ready: latenessAfterDue(dueById, await eventTimes(store, 'ready')) };
  });
}

/** One BullMQ round: a fresh Redis and sink, one worker, then the same burst as delayed jobs. */
function measureBullmq(ctx: ScenarioContext, config: SchedulingConfig, round: number): Promise<SchedulingFigures> {
  ctx.progress.step(`scheduling: BullMQ delayed jobs, one worker${roundLabel(round, config.rounds)}`);
  return withScope(ctx.scope, `bullmq-${round}`, async (scope) => {
    const redis = await startRedis(scope);
    const sink = await startSink(scope, config.messages + 1_000);
    await startBullmqWorker(scope, redis);
    const queue = await openQueue(scope, redis);
    const data = publishRequest(sink.url('scheduling'));
    const { figures } = await measureLateness(ctx, sink, config, async (dueAt, dueById) => {
      // BullMQ takes a delay, relative to the moment the job is created: computed just before
      // each addBulk, it can only err late (by microseconds), never early.
      await fillQueue(queue, config.messages, (i) => ({ data, opts: { delay: Math.max(0, dueAt(i) - Date.now()) } }), {
        ...fillOptions(ctx, config.messages, { ...config, fillTimeoutMs: config.leadMs }),
        onAdded: (i, id) => dueById.set(id, dueAt(i)),
      });
    });
    return figures;
  });
}

/** Queues the burst, noting each message's due time by its id. */
type Publish = (dueAt: (index: number) => number, dueById: Map<string, number>) => Promise<void>;

/** A burst as the sink saw it, and when each of its messages was due (ms since the epoch), by id. */
interface MeasuredBurst {
  figures: SchedulingFigures;
  dueById: ReadonlyMap<string, number>;
}

async function measureLateness(ctx: ScenarioContext, sink: SinkClient, config: SchedulingConfig, publish: Publish): Promise<MeasuredBurst> {
  const start = Date.now() + config.leadMs;
  const dueAt = (i: number): number => start + Math.floor((i * config.spreadMs) / config.messages);
  const dueById = new Map<string, number>();
  await publish(dueAt, dueById);
  const fillOverranLead = Date.now() > start;

  const arrivedBy = start + config.spreadMs + config.graceMs;
  // Counted at the sink while the burst runs (reading its records would take CPU from it), then
  // read once; again only if repeats filled the count before every message had arrived.
  const received = await sink.waitForReceived(config.messages, {
    timeoutMs: Math.max(0, arrivedBy - Date.now()),
    signal: ctx.signal,
    onPoll: (n) => ctx.progress.update(`${n} of ${config.messages} delivered`),
  });
  let firsts = firstArrivals(await sink.arrivals(0), dueById);
  while (firsts.size < dueById.size && Date.now() < arrivedBy) {
    await sleep(REREAD_MS, ctx.signal);
    firsts = firstArrivals(await sink.arrivals(0), dueById);
  }
  // The missing ones would be the latest: percentiles over the rest would flatter the run.
  if (firsts.size < dueById.size) {
    throw new Error(`only ${firsts.size} of ${dueById.size} messages arrived within ${config.graceMs} ms of the last due time (${received} requests)`);
  }

  const arrival: number[] = [];
  let firstUs = Infinity;
  let lastUs = -Infinity;
  for (const [id, record] of firsts) {
    // Due times come from Date.now(), as Redis's TIME does: the sink's `at` is the same wall clock.
    arrival.push(record.at - dueById.get(id)!);
    firstUs = Math.min(firstUs, record.atUs);
    lastUs = Math.max(lastUs, record.atUs);
  }
  const figures: SchedulingFigures = {
    messages: config.messages,
    arrival: latenessOf(arrival),
    burstDeliveriesPerSecond: lastUs > firstUs ? (arrival.length - 1) / ((lastUs - firstUs) / 1e6) : NaN,
    fillOverranLead,
  };
  return { figures, dueById };
}

const REREAD_MS = 200;

/** The first arrival of each message of the burst, by id. */
function firstArrivals(records: readonly SinkArrival[], dueById: ReadonlyMap<string, number>): Map<string, SinkArrival> {
  const firsts = new Map<string, SinkArrival>();
  for (const record of records) {
    const id = record.messageId;
    if (id !== null && dueById.has(id) && !firsts.has(id)) firsts.set(id, record);
  }
  return firsts;
}

/** How late each message reached a step (`reachedAt`, ms since the epoch, by id) after its due time. */
function latenessAfterDue(dueById: ReadonlyMap<string, number>, reachedAt: ReadonlyMap<string, number>): LatenessFigures {
  const lateness: number[] = [];
  for (const [id, due] of dueById) {
    const at = reachedAt.get(id);
    if (at !== undefined) lateness.push(at - due);
  }
  if (lateness.length < dueById.size) throw new Error(`only ${lateness.length} of ${dueById.size} messages have a ready event`);
  return latenessOf(lateness);
}

function latenessOf(latenessMs: number[]): LatenessFigures {
  const sorted = Float64Array.from(latenessMs).sort();
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: percentile(sorted, 100),
    early: latenessMs.filter((ms) => ms < 0).length,
  };
}
