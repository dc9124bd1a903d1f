import { fillQueue, fillStore } from '../fill';
import { openQueue, openStore, startRedis } from '../harness';
import { BODY_1K, enqueueRequest, publishRequest } from '../messages';
import type { RedisServer } from '../processes/redis-server';
import { atMost, row } from '../results';
import { withScope } from '../scope';
import { sleep } from '../wait';
import { fillOptions } from './fill-options';
import { defineScenario } from './scenario';

interface MemoryConfig {
  messages: number;
  fillChunk: number;
  fillTimeoutMs: number;
  budgetMs: number;
}

export interface MemoryFigures {
  messages: number;
  usedMemoryBefore: number;
  usedMemoryAfter: number;
  bytesPerMessage: number;
  fillMs: number;
}

// Never delivered (no consumer runs here).
const DESTINATION = 'http://127.0.0.1:9/ok/memory';
// Lets Redis release the reply buffers of the last pipelined burst before it is measured.
const SETTLE_MS = 200;

/**
 * Redis memory per queued message: `used_memory` before and after N queued 1 KiB messages with no
 * consumer, over N. For Ferry that includes everything a message costs (its record, its place in
 * the ready list, its share of the event stream); for BullMQ its job hash, list entry and events.
 */
export const memory = defineScenario<MemoryConfig>({
  name: 'memory',
  summary: '50 000 queued 1 KiB messages, no consumer: Redis used_memory per message vs BullMQ',
  config: (smoke) =>
    smoke
      ? { messages: 500, fillChunk: 500, fillTimeoutMs: 10_000, budgetMs: 30_000 }
      : { messages: 50_000, fillChunk: 1_000, fillTimeoutMs: 90_000, budgetMs: 240_000 },

  async run(ctx, config) {
    ctx.progress.step('memory: Ferry');
    const ferry = await withScope(ctx.scope, 'ferry', async (scope) => {
      const redis = await startRedis(scope);
      const store = await openStore(redis);
      return measureMemory(redis, config, () =>
        fillStore(store, config.messages, () => enqueueRequest(DESTINATION, BODY_1K), fillOptions(ctx, config.messages, config)),
      );
    });
    ctx.progress.step('memory: BullMQ');
    const bullmq = await withScope(ctx.scope, 'bullmq', async (scope) => {
      const redis = await startRedis(scope);
      const queue = await openQueue(scope, redis);
      const data = publishRequest(DESTINATION);
      return measureMemory(redis, config, () => fillQueue(queue, config.messages, () => ({ data }), fillOptions(ctx, config.messages, config)));
    });
    return {
      figures: { ferry, bullmq },
      rows: [
        row('memory', {
          metric: 'bytes/message',
          ferry: ferry.bytesPerMessage,
          baselineName: 'BullMQ',
          baseline: bullmq.bytesPerMessage,
          targets: [atMost(1536, 'B')],
        }),
      ],
    };
  },
});

async function measureMemory(redis: RedisServer, config: MemoryConfig, fill: () => Promise<{ elapsedMs: number }>): Promise<MemoryFigures> {
  await sleep(SETTLE_MS);
  const before = await redis.usedMemory();
  const { elapsedMs } = await fill();
  await sleep(SETTLE_MS);
  const after = await redis.usedMemory();
  return {
    messages: config.messages,
    usedMemoryBefore: before,
    usedMemoryAfter: after,
    bytesPerMessage: (after - before) / config.messages,
    fillMs: elapsedMs,
  };
}
