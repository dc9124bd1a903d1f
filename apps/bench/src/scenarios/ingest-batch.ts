import { publishRequest } from '../messages';
import { atLeast, row } from '../results';
import { alternate, medianRun } from '../rounds';
import { endpointRound, type EndpointFigures, type EndpointLoad, type StartEndpoint } from './endpoint-load';
import { defineScenario } from './scenario';
import { startBullmqEndpoint, startFerryIngest } from './systems';

type IngestBatchConfig = EndpointLoad & {
  budgetMs: number;
  batchSize: number;
  destination: string;
  /** Each system is measured this many times, alternating; the median run counts (rounds.ts). */
  rounds: number;
};

const DESTINATION = 'http://127.0.0.1:9/ok/ingest-batch';

/**
 * Batch publishing, 100 messages a request: messages per second through Ferry's batch API and
 * through the BullMQ endpoint's addBulk. Fewer connections than the single-message scenario:
 * each request already carries 100 messages (~100 KiB).
 */
export const ingestBatch = defineScenario<IngestBatchConfig>({
  name: 'ingest-batch',
  summary: 'POST /v1/messages/batch, 100 messages a request: messages/s vs BullMQ addBulk endpoint',
  config: (smoke) =>
    smoke
      ? { warmupMs: 300, durationMs: 1_000, connections: 16, batchSize: 100, destination: DESTINATION, rounds: 1, budgetMs: 30_000 }
      : { warmupMs: 2_000, durationMs: 10_000, connections: 16, batchSize: 100, destination: DESTINATION, rounds: 3, budgetMs: 240_000 },

  async run(ctx, config) {
    const body = JSON.stringify(Array.from({ length: config.batchSize }, () => publishRequest(config.destination)));
    const round = (system: string, key: string, start: StartEndpoint) =>
      endpointRound(ctx, config, {
        scenario: 'ingest-batch', system, key, start, path: '/v1/messages/batch', body, messagesPerRequest: config.batchSize, rounds: config.rounds,
      });
    const runs = await alternate(config.rounds, {
      ferry: round('Ferry', 'ferry', { withRedis: startFerryIngest }),
      bullmq: round('BullMQ addBulk endpoint', 'bullmq', { withRedis: startBullmqEndpoint }),
    });
    const byRate = (run: EndpointFigures) => run.messagesPerSecond;
    const [ferry, bullmq] = [medianRun(runs.ferry, byRate), medianRun(runs.bullmq, byRate)];
    return {
      figures: { ferry, bullmq, rounds: runs },
      rows: [
        row('ingest-batch', {
          metric: 'messages/s',
          ferry: ferry.messagesPerSecond,
          baselineName: 'BullMQ addBulk endpoint',
          baseline: bullmq.messagesPerSecond,
          targets: [atLeast(30_000, 'msg/s')],
        }),
      ],
    };
  },
});
