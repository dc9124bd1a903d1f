import Redis from 'ioredis';
import { Keys } from '@ferry/store';

const TERMINAL = new Set(['delivered', 'failed', 'cancelled']);

/**
 * Counts terminal events per message id across every shard's event stream. An entry is `e`
 * and its kind, then `id` (and `a`) for each delivery it names: one, or a batch's worth.
 */
export async function terminalEvents(redisUrl: string, shards = 4): Promise<Map<string, string[]>> {
  const redis = new Redis(redisUrl);
  const keys = new Keys('ferry');
  const seen = new Map<string, string[]>();
  try {
    for (let shard = 0; shard < shards; shard++) {
      for (const [, fields] of await redis.xrange(keys.events(shard), '-', '+')) {
        const kind = fields[1]!;
        if (!TERMINAL.has(kind)) continue;
        for (let i = 2; i + 1 < fields.length; i += 2) {
          if (fields[i] === 'id') seen.set(fields[i + 1]!, [...(seen.get(fields[i + 1]!) ?? []), kind]);
        }
      }
    }
  } finally {
    redis.disconnect();
  }
  return seen;
}
