import type { Store } from './store';
import type { ShardDepth } from './types';

/**
 * Housekeeping over one shard: promote due deliveries, take back expired leases, forget
 * finished deliveries after their retention. Each is a scan (read-only script) followed by
 * a script that re-checks every id, so any number of schedulers can run these at once.
 */

export interface PromoteResult {
  promoted: number;
  /** Due time of the earliest delivery still waiting (ms since the epoch), if any. */
  nextDueAt?: number;
  /** Redis time of the scan (ms since the epoch). */
  now: number;
}

export async function promoteDue(store: Store, shard: number, limit: number): Promise<PromoteResult> {
  const k = store.keys;
  const scan = await store.redis.ferryDueScan(2, k.due(shard), k.state(shard), limit);
  const now = Number(scan[0]);
  const nextDue = Number(scan[1]);
  const result: PromoteResult = { promoted: 0, now };
  if (nextDue >= 0) result.nextDueAt = nextDue;
  if (scan.length <= 2) return result;

  const destIndex = new Map<string, number>();
  const keys = [k.state(shard), k.due(shard), k.dests(shard), k.events(shard), k.wake(shard)];
  const args: Array<string | number> = [store.options.eventsMaxLen];
  for (let i = 2; i + 1 < scan.length; i += 2) {
    const id = String(scan[i]);
    const dest = String(scan[i + 1]);
    let j = 0;
    if (dest !== '') {
      j = destIndex.get(dest) ?? 0;
      if (j === 0) {
        keys.push(k.ready(shard, dest));
        j = keys.length - 5;
        destIndex.set(dest, j);
      }
    }
    args.push(id, j, dest);
  }
  result.promoted = await store.redis.ferryPromote(keys.length, ...keys, ...args);
  return result;
}

export async function reapExpired(
  store: Store,
  shard: number,
  limit: number,
): Promise<{ requeued: number; deadLettered: number }> {
  const k = store.keys;
  const scan = await store.redis.ferryLeaseScan(2, k.leases(shard), k.state(shard), limit);
  if (scan.length === 0) return { requeued: 0, deadLettered: 0 };

  const destIndex = new Map<string, number>();
  const keys = [
    k.state(shard), k.leases(shard), k.attempts(shard), k.dests(shard),
    k.dlq(shard), k.done(shard), k.events(shard), k.wake(shard),
  ];
  const args: Array<string | number> = [store.options.eventsMaxLen, store.options.maxLeaseLosses];
  for (let i = 0; i + 1 < scan.length; i += 2) {
    const id = scan[i]!;
    const dest = scan[i + 1]!;
    let j = 0;
    if (dest !== '') {
      j = destIndex.get(dest) ?? 0;
      if (j === 0) {
        keys.push(k.ready(shard, dest), k.dest(shard, dest));
        j = (keys.length - 8) / 2;
        destIndex.set(dest, j);
      }
    }
    args.push(id, j, dest);
  }
  const [requeued, deadLettered] = await store.redis.ferryReap(keys.length, ...keys, ...args);
  return { requeued, deadLettered };
}

/** Forgets up to `limit` finished deliveries older than the retention; answers how many. */
export async function expireFinished(store: Store, shard: number, retentionMs: number, limit: number): Promise<number> {
  const k = store.keys;
  return store.redis.ferryExpire(5, k.done(shard), k.state(shard), k.msg(shard), k.attempts(shard), k.dlq(shard), retentionMs, limit);
}

/**
 * Queue depth of one shard. Ready work is summed over the destinations in the rotation
 * (at most `maxDests` of them, so a scrape stays cheap); cancelled entries still in a ready
 * list are counted until a claim drops them.
 */
export async function shardDepth(store: Store, shard: number, maxDests = 1000): Promise<ShardDepth> {
  const k = store.keys;
  const redis = store.redis;
  const [dests, scheduled, inFlight, dead] = await Promise.all([
    redis.zrange(k.dests(shard), 0, maxDests - 1),
    redis.zcard(k.due(shard)),
    redis.zcard(k.leases(shard)),
    redis.zcard(k.dlq(shard)),
  ]);
  const lengths = await Promise.all(dests.map((dest) => redis.llen(k.ready(shard, dest))));
  const ready = lengths.reduce((sum, n) => sum + n, 0);
  return { ready, scheduled, inFlight, dead };
}
