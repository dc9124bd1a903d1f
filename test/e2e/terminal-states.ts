import Redis from 'ioredis';
import { Keys, parseEventEntry } from '@ferry/store';

const TERMINAL = new Set(['delivered', 'failed', 'cancelled']);

/** Counts terminal events per message id across every shard's event stream. */
export async function terminalEvents(redisUrl: string, shards = 4): Promise<Map<string, string[]>> {
  const redis = new Redis(redisUrl);
  const keys = new Keys('ferry');
  const seen = new Map<string, string[]>();
  try {
    for (let shard = 0; shard < shards; shard++) {
      for (const [, fields] of await redis.xrange(keys.events(shard), '-', '+')) {
        const entry = parseEventEntry(fields);
        if (entry === undefined || !TERMINAL.has(entry.kind)) continue;
        for (const { id } of entry.deliveries) seen.set(id, [...(seen.get(id) ?? []), entry.kind]);
      }
    }
  } finally {
    redis.disconnect();
  }
  return seen;
}
