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
   * at most the small backlog, which is all that run can deliver.
   */
  window: number;
  /**
   * What the large backlog is filled with beyond `largeBacklog` for each run, so that every run
   * starts with at least `largeBacklog` queued: its window and what arrives while its dispatcher
   * stops (a few hundred).
   */
  spillPerRun: number;
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
 * small-backlog run gets a fresh Redis filled with `smallBacklog` messages each time.
 */
export const backlog = defineScenario<BacklogConfig>({
  name: 'backlog',
  summary: "Ferry's drain rate with 1 000 000 queued vs with 10 000 queued (one dispatcher, ~100 B bodies)",
  config: (smoke) =>
    smoke
      ? { smallBacklog: 300, largeBacklog: 3_000, window: 300, spillPerRun: 600, fillChunk: 1_000, fillTimeoutMs: 10_000, deliveryTimeoutMs: 10_000, rounds: 2, budgetMs: 30_000 }
      : { smallBacklog: 10_000, largeBacklog: 1_000_000, window: 10_000, spillPerRun: 12_000, fillChunk: 5_000, fillTimeoutMs: 300_000, deliveryTimeoutMs: 60_000, rounds: 7, budgetMs: 900_000 },

  async run(ctx, config) {
    const runs = await withScope(ctx.scope, 'large-backlog', async (scope) => {
      let large: LargeBacklog | undefined;
      return alternate(config.rounds, {
        large: async (round) => {
          large ??= await fillLargeBacklog(ctx, scope, config);
          return measureLargeBacklog(ctx, config, large, round);
        },
        small: (round) => measureSmallBacklog(ctx, config, round),
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

/** A fresh Redis with `filled` messages queued for its own sink. */
interface FilledQueue {
  redis: RedisServer;
  sink: SinkClient;
  filled: number;
  fillMs: number;
}

async function fillBacklogQueue(ctx: ScenarioContext, scope: Scope, config: BacklogConfig, filled: number): Promise<FilledQueue> {
  const [redis, sink] = await Promise.all([startRedis(scope), startSink(scope, SINK_RECORDS)]);
  const store = await openStore(redis);
  const url = sink.url('backlog');
  const fill = await fillStore(store, filled, () => enqueueRequest(url, BODY_100B), fillOptions(ctx, filled, config));
  return { redis, sink, filled, fillMs: fill.elapsedMs };
}

/**
 * Starts a dispatcher on `queue` in `scope` and times its first deliveries (a window's worth,
 * at most what is queued) after the `after` its sink has already seen.
 */
async function timeDrain(
  ctx: ScenarioContext,
  scope: Scope,
  config: BacklogConfig,
  queue: FilledQueue,
  { queued, after }: { queued: number; after: number },
): Promise<BacklogFigures> {
  const arrivals = watchArrivals(ctx, queue.sink, Math.min(config.window, queued), config.deliveryTimeoutMs, after);
  await startFerryDispatcher(scope, queue.redis);
  return { queued, ...(await drainFigures(queue.sink, await arrivals, queue.fillMs, after)) };
}

/** The large backlog's queue, kept for all its runs, and the scope that keeps it. */
interface LargeBacklog extends FilledQueue {
  scope: Scope;
}

async function fillLargeBacklog(ctx: ScenarioContext, scope: Scope, config: BacklogConfig): Promise<LargeBacklog> {
  const filled = config.largeBacklog + config.rounds * config.spillPerRun;
  ctx.progress.step(`backlog: filling ${filled} for the runs with ${config.largeBacklog} queued`);
  return { ...(await fillBacklogQueue(ctx, scope, config, filled)), scope };
}

async function measureLargeBacklog(ctx: ScenarioContext, config: BacklogConfig, large: LargeBacklog, round: number): Promise<BacklogFigures> {
  // The previous run's dispatcher has exited: what the sink has seen is what has left the queue.
  const { received: delivered } = await large.sink.stats();
  const queued = large.filled - delivered;
  if (queued < config.largeBacklog) throw new Error(`only ${queued} left queued for a run with ${config.largeBacklog}; raise spillPerRun`);
  ctx.progress.step(`backlog: Ferry with ${queued} queued${roundLabel(round, config.rounds)}`);
  return withScope(large.scope, `large-${round}`, (scope) => timeDrain(ctx, scope, config, large, { queued, after: delivered }));
}

async function measureSmallBacklog(ctx: ScenarioContext, config: BacklogConfig, round: number): Promise<BacklogFigures> {
  const queued = config.smallBacklog;
  ctx.progress.step(`backlog: Ferry with ${queued} queued${roundLabel(round, config.rounds)}`);
  return withScope(ctx.scope, `small-${round}`, async (scope) =>
    timeDrain(ctx, scope, config, await fillBacklogQueue(ctx, scope, config, queued), { queued, after: 0 }),
  );
}
