import { startRedis } from '../harness';
import { publishRequest } from '../messages';
import { atLeast, row } from '../results';
import { withScope } from '../scope';
import { measureEndpoint, type EndpointLoad } from './endpoint-load';
import { defineScenario } from './scenario';
import { startBullmqEndpoint, startFerryIngest } from './systems';

type IngestBatchConfig = EndpointLoad & { budgetMs: number; batchSize: number; destination: string };

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
      ? { warmupMs: 300, durationMs: 1_000, connections: 16, batchSize: 100, destination: DESTINATION, budgetMs: 30_000 }
      : { warmupMs: 2_000, durationMs: 10_000, connections: 16, batchSize: 100, destination: DESTINATION, budgetMs: 90_000 },

  async run(ctx, config) {
    const body = JSON.stringify(Array.from({ length: config.batchSize }, () => publishRequest(config.destination)));
    ctx.progress.step('ingest-batch: Ferry');
    const ferry = await withScope(ctx.scope, 'ferry', async (scope) => {
      const redis = await startRedis(scope);
      const endpoint = await startFerryIngest(scope, redis);
      return measureEndpoint(ctx, { endpoint, path: '/v1/messages/batch', redis }, body, config.batchSize, config);
    });
    ctx.progress.step('ingest-batch: BullMQ addBulk endpoint');
    const bullmq = await withScope(ctx.scope, 'bullmq', async (scope) => {
      const redis = await startRedis(scope);
      const endpoint = await startBullmqEndpoint(scope, redis);
      return measureEndpoint(ctx, { endpoint, path: '/v1/messages/batch', redis }, body, config.batchSize, config);
    });
    return {
      figures: { ferry, bullmq },
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
