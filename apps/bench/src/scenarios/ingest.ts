import { startRedis } from '../harness';
import { publishRequest } from '../messages';
import { ratioAtLeast, row } from '../results';
import { withScope } from '../scope';
import { measureEndpoint, type EndpointLoad } from './endpoint-load';
import { defineScenario } from './scenario';
import { startBullmqEndpoint, startFerryIngest, startNoopEndpoint } from './systems';

type IngestConfig = EndpointLoad & { budgetMs: number; destination: string };

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
      ? { warmupMs: 300, durationMs: 1_000, connections: 64, destination: DESTINATION, budgetMs: 30_000 }
      : { warmupMs: 2_000, durationMs: 10_000, connections: 64, destination: DESTINATION, budgetMs: 120_000 },

  async run(ctx, config) {
    const body = JSON.stringify(publishRequest(config.destination));
    ctx.progress.step('ingest: Ferry');
    const ferry = await withScope(ctx.scope, 'ferry', async (scope) => {
      const redis = await startRedis(scope);
      const endpoint = await startFerryIngest(scope, redis);
      return measureEndpoint(ctx, { endpoint, path: '/v1/messages', redis }, body, 1, config);
    });
    ctx.progress.step('ingest: BullMQ endpoint');
    const bullmq = await withScope(ctx.scope, 'bullmq', async (scope) => {
      const redis = await startRedis(scope);
      const endpoint = await startBullmqEndpoint(scope, redis);
      return measureEndpoint(ctx, { endpoint, path: '/v1/messages', redis }, body, 1, config);
    });
    ctx.progress.step('ingest: do-nothing endpoint');
    const noop = await withScope(ctx.scope, 'noop', async (scope) => {
      const endpoint = await startNoopEndpoint(scope);
      return measureEndpoint(ctx, { endpoint, path: '/v1/messages' }, body, 1, config);
    });

    const ferryRate = ferry.messagesPerSecond;
    return {
      figures: { ferry, bullmq, noop },
      rows: [
        row('ingest', { metric: 'accepted/s', ferry: ferryRate, baselineName: 'BullMQ endpoint', baseline: bullmq.messagesPerSecond, targets: [ratioAtLeast(1.3)] }),
        row('ingest', { metric: 'accepted/s', ferry: ferryRate, baselineName: 'do-nothing endpoint', baseline: noop.messagesPerSecond, targets: [ratioAtLeast(0.85)] }),
      ],
    };
  },
});
