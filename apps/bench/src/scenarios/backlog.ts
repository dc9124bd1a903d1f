import { fillStore } from '../fill';
import { openStore, startRedis, startSink } from '../harness';
import { BODY_100B, enqueueRequest } from '../messages';
import { count, ratioAtLeast, row } from '../results';
import { alternate, medianRun, roundLabel } from '../rounds';
import { withScope, type Scope } from '../scope';
import type { RedisServer } from '../processes/redis-server';
import type { SinkClient } from '../sink-client';
import { drainFigures, watchArrivals, type DrainFigures } from './arrivals';
import { fillOptions } from './fill-options';
import { defineScenario, type ScenarioContext } from './scenario';
import { startFerryDispatcher } from './systems';

interface BacklogConfig {
  smallBacklog: number;
  largeBacklog: number;
  /**
   * Deliveries timed in each run. The same in both runs, so start-up weighs the same in both;
   * at most the small backlog.
   */
  window: number;
  /**
   * What the large backlog is filled with beyond `largeBacklog` for each run, so that every run
   * starts with at least `largeBacklog` queued: its window and what arrives while its dispatcher
   * stops (a few hundred).
   */
  spillPerRun: number;
  /**
   * What a small-backlog run queues beyond `smallBacklog`, so that its queue does not run dry
   * within the window either: both runs time a dispatcher with work still queued.
   */
  smallSpill: number;
  fillChunk: number;
  fillTimeoutMs: number;
  deliveryTimeoutMs: number;
  /**
   * Each backlog is measured this many times, alternating; the median run counts (rounds.ts).
   * More than the three elsewhere: a run times about 1.5 s, and the machine's speed moves more
   * than that between runs (rounds of one full run scattered 0.86-1.13x). The large backlog is
   * filled once and every run takes its window from it, so a run costs seconds, not a fill.
   */
  rounds: number;
  budgetMs: number;
}

export interface BacklogFigures extends DrainFigures {
  /** Messages queued when the run's dispatcher started. */
  queued: number;
}

const SINK_RECORDS = 20_000;

/**
 * Does a deep queue slow Ferry down? One dispatcher's drain rate over its first deliveries with
 * a large backlog queued vs with a small one. Small bodies keep a million-message fill to
 * seconds. The large backlog is filled once; each of its runs starts a dispatcher on it, times
 * its first `window` deliveries and stops it, which leaves the backlog deep for the next run. A
 * small-backlog run gets a fresh Redis filled with `smallBacklog` messages (and a little more, so
 * that it times a queue that is not running dry) each time. One sink serves them all.
 */
export const backlog = defineScenario<BacklogConfig>({
  name: 'backlog',
  summary: "Ferry's drain rate with 1 000 000 queued vs with 10 000 queued (one dispatcher, ~100 B bodies)",
  config: (smoke) =>
    smoke
      ? { smallBacklog: 300, largeBacklog: 3_000, window: 300, spillPerRun: 600, smallSpill: 100, fillChunk: 1_000, fillTimeoutMs: 10_000, deliveryTimeoutMs: 10_000, rounds: 2, budgetMs: 30_000 }
      : { smallBacklog: 10_000, largeBacklog: 1_000_000, window: 10_000, spillPerRun: 12_000, smallSpill: 1_000, fillChunk: 5_000, fillTimeoutMs: 300_000, deliveryTimeoutMs: 60_000, rounds: 7, budgetMs: 900_000 },

  async run(ctx, config) {
    const runs = await withScope(ctx.scope, 'backlog', async (scope) => {
      // One sink serves every run of both backlogs, so neither side times a sink that has only
      // just started (its code not yet optimised) while the other times a warm one.
      const sink = await startSink(scope, SINK_RECORDS);
      let large: LargeBacklog | undefined;
      return alternate(config.rounds, {
        large: async (round) => {
          large ??= await fillLargeBacklog(ctx, scope, config, sink);
          return measureLargeBacklog(ctx, config, large, round);
        },
        small: (round) => measureSmallBacklog(ctx, config, sink, round),
      });
    });
    const byRate = (run: BacklogFigures) => run.deliveriesPerSecond;
    const [large, small] = [medianRun(runs.large, byRate), medianRun(runs.small, byRate)];
    return {
      figures: { large, small, rounds: runs },
      rows: [
        row('backlog', {
          metric: `deliveries/s, ${count(config.largeBacklog)} queued`,
          ferry: large.deliveriesPerSecond,
          baselineName: `Ferry, ${count(config.smallBacklog)} queued`,
          baseline: small.deliveriesPerSecond,
          targets: [ratioAtLeast(0.9)],
        }),
      ],
    };
  },
});

/** A fresh Redis with `filled` messages queued for the scenario's sink. */
interface FilledQueue {
  redis: RedisServer;
  sink: SinkClient;
  filled: number;
  fillMs: number;
}

async function fillBacklogQueue(ctx: ScenarioContext, scope: Scope, config: BacklogConfig, sink: SinkClient, filled: number): Promise<FilledQueue> {
  const redis = await startRedis(scope);
  const store = await openStore(redis);
  const url = sink.url('backlog');
  const fill = await fillStore(store, filled, () => enqueueRequest(url, BODY_100B), fillOptions(ctx, filled, config));
  return { redis, sink, filled, fillMs: fill.elapsedMs };
}

/**
 * Starts a dispatcher on `queue` in `scope`, times its first deliveries (a window's worth) after
 * the `after` the sink has already seen, and stops it.
 */
function timeDrain(ctx: ScenarioContext, parent: Scope, name: string, config: BacklogConfig, queue: FilledQueue, queued: number, after: number): Promise<BacklogFigures> {
  return withScope(parent, name, async (scope) => {
    const arrivals = watchArrivals(ctx, queue.sink, config.window, config.deliveryTimeoutMs, after);
    await startFerryDispatcher(scope, queue.redis);
    return { queued, ...(await drainFigures(queue.sink, await arrivals, queue.fillMs, after)) };
  });
}

/** The large backlog's queue, kept for all its runs, the scope that keeps it, and what its runs delivered. */
interface LargeBacklog extends FilledQueue {
  scope: Scope;
  delivered: number;
}

async function fillLargeBacklog(ctx: ScenarioContext, scope: Scope, config: BacklogConfig, sink: SinkClient): Promise<LargeBacklog> {
  const filled = config.largeBacklog + config.rounds * config.spillPerRun;
  ctx.progress.step(`backlog: filling ${filled} for the runs with ${config.largeBacklog} queued`);
  return { ...(await fillBacklogQueue(ctx, scope, config, sink, filled)), scope, delivered: 0 };
}

async function measureLargeBacklog(ctx: ScenarioContext, config: BacklogConfig, large: LargeBacklog, round: number): Promise<BacklogFigures> {
  const queued = large.filled - large.delivered;
  if (queued < config.largeBacklog) throw new Error(`only ${queued} left queued for a run with ${config.largeBacklog}; raise spillPerRun`);
  ctx.progress.step(`backlog: Ferry with ${queued} queued${roundLabel(round, config.rounds)}`);
  const { received: before } = await large.sink.stats();
  const figures = await timeDrain(ctx, large.scope, `large-${round}`, config, large, queued, before);
  // The run's dispatcher has exited and the small runs take turns with these: what the sink saw
  // meanwhile is what left this queue.
  large.delivered += (await large.sink.stats()).received - before;
  return figures;
}

async function measureSmallBacklog(ctx: ScenarioContext, config: BacklogConfig, sink: SinkClient, round: number): Promise<BacklogFigures> {
  const queued = config.smallBacklog + config.smallSpill;
  ctx.progress.step(`backlog: Ferry with ${config.smallBacklog} queued${roundLabel(round, config.rounds)}`);
  return withScope(ctx.scope, `small-${round}`, async (scope) => {
    const queue = await fillBacklogQueue(ctx, scope, config, sink, queued);
    const { received: before } = await sink.stats();
    return timeDrain(ctx, scope, 'drain', config, queue, queued, before);
  });
}
