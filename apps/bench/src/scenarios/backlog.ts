import { fillStore } from '../fill';
import { openStore, startRedis, startSink } from '../harness';
import { BODY_100B, enqueueRequest } from '../messages';
import { count, ratioAtLeast, row } from '../results';
import { alternate, medianRun, roundLabel } from '../rounds';
import { withScope } from '../scope';
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
  fillChunk: number;
  fillTimeoutMs: number;
  deliveryTimeoutMs: number;
  /**
   * Each backlog is measured this many times, alternating; the median run counts (rounds.ts).
   * Five, not three as elsewhere: a run times about 1.5 s, and the machine's speed moves more
   * than that between runs (rounds of one full run scattered 0.86-1.13x).
   */
  rounds: number;
  budgetMs: number;
}

export interface BacklogFigures extends DrainFigures {
  queued: number;
}

const SINK_RECORDS = 20_000;

/**
 * Does a deep queue slow Ferry down? One dispatcher's drain rate over its first deliveries with
 * a large backlog queued vs with a small one. The queue is filled first (small bodies keep a
 * million-message fill to seconds), then the dispatcher starts.
 */
export const backlog = defineScenario<BacklogConfig>({
  name: 'backlog',
  summary: "Ferry's drain rate with 1 000 000 queued vs with 10 000 queued (one dispatcher, ~100 B bodies)",
  config: (smoke) =>
    smoke
      ? { smallBacklog: 300, largeBacklog: 3_000, window: 300, fillChunk: 1_000, fillTimeoutMs: 10_000, deliveryTimeoutMs: 10_000, rounds: 1, budgetMs: 30_000 }
      : { smallBacklog: 10_000, largeBacklog: 1_000_000, window: 10_000, fillChunk: 5_000, fillTimeoutMs: 300_000, deliveryTimeoutMs: 60_000, rounds: 5, budgetMs: 900_000 },

  async run(ctx, config) {
    const runs = await alternate(config.rounds, {
      large: (round) => measureBacklog(ctx, config, config.largeBacklog, round),
      small: (round) => measureBacklog(ctx, config, config.smallBacklog, round),
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

async function measureBacklog(ctx: ScenarioContext, config: BacklogConfig, queued: number, round: number): Promise<BacklogFigures> {
  ctx.progress.step(`backlog: Ferry with ${queued} queued${roundLabel(round, config.rounds)}`);
  return withScope(ctx.scope, `${queued}-queued-${round}`, async (scope) => {
    const [redis, sink] = await Promise.all([startRedis(scope), startSink(scope, SINK_RECORDS)]);
    const store = await openStore(redis);
    const url = sink.url('backlog');
    const fill = await fillStore(store, queued, () => enqueueRequest(url, BODY_100B), fillOptions(ctx, queued, config));
    const window = Math.min(config.window, queued);
    const arrivals = watchArrivals(ctx, sink, window, config.deliveryTimeoutMs);
    await startFerryDispatcher(scope, redis);
    return { queued, ...(await drainFigures(sink, await arrivals, fill.elapsedMs)) };
  });
}
