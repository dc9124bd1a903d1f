import { publishRequest } from '../messages';
import { ratioAtLeast, row } from '../results';
import { alternate, medianRun } from '../rounds';
import { endpointRound, type EndpointFigures, type EndpointLoad, type StartEndpoint } from './endpoint-load';
import { defineScenario } from './scenario';
import { startBullmqEndpoint, startFerryIngest, startNoopEndpoint } from './systems';

type IngestConfig = EndpointLoad & {
  budgetMs: number;
  destination: string;
  /** Each system is measured this many times, alternating; the median run counts (rounds.ts). */
  rounds: number;
};

// Never delivered (nothing consumes here), so the destination need not exist.
const DESTINATION = 'http://127.0.0.1:9/ok/ingest';

/**
 * Single-message publishing: accepted messages per second through Ferry's ingest, through the
 * BullMQ endpoint (express + queue.add) and through the do-nothing endpoint (the ceiling).
 */
export const ingest = defineScenario<IngestConfig>({
  name: 'ingest',
  summary: 'POST /v1/messages, 64 connections, 1 KiB body: accepted/s vs BullMQ endpoint and do-nothing endpoint',
  config: (smoke) =>
    smoke
      ? { warmupMs: 300, durationMs: 1_000, connections: 64, destination: DESTINATION, rounds: 1, budgetMs: 30_000 }
      : { warmupMs: 2_000, durationMs: 10_000, connections: 64, destination: DESTINATION, rounds: 3, budgetMs: 300_000 },

  async run(ctx, config) {
    const body = JSON.stringify(publishRequest(config.destination));
    const round = (system: string, key: string, start: StartEndpoint) =>
      endpointRound(ctx, config, { scenario: 'ingest', system, key, start, path: '/v1/messages', body, messagesPerRequest: 1, rounds: config.rounds });
    const runs = await alternate(config.rounds, {
      ferry: round('Ferry', 'ferry', { withRedis: startFerryIngest }),
      bullmq: round('BullMQ endpoint', 'bullmq', { withRedis: startBullmqEndpoint }),
      noop: round('do-nothing endpoint', 'noop', { alone: startNoopEndpoint }),
    });
    const byRate = (run: EndpointFigures) => run.messagesPerSecond;
    const [ferry, bullmq, noop] = [medianRun(runs.ferry, byRate), medianRun(runs.bullmq, byRate), medianRun(runs.noop, byRate)];

    const ferryRate = ferry.messagesPerSecond;
    return {
      figures: { ferry, bullmq, noop, rounds: runs },
      rows: [
        row('ingest', { metric: 'accepted/s', ferry: ferryRate, baselineName: 'BullMQ endpoint', baseline: bullmq.messagesPerSecond, targets: [ratioAtLeast(1.3)] }),
        row('ingest', { metric: 'accepted/s', ferry: ferryRate, baselineName: 'do-nothing endpoint', baseline: noop.messagesPerSecond, targets: [ratioAtLeast(0.85)] }),
      ],
    };
  },
});
