import { KeyGroups } from './key-groups';
import { RecentDestinations } from './recent-destinations';
import type { Store } from './store';
import type { ShardDepth } from './types';

/**
 * Housekeeping over one shard: promote due deliveries, take back expired leases, forget
 * finished deliveries and idle destinations. Each script re-checks every id it is given or
 * lists the ids itself, so any number of schedulers can run these at once. Reaping is a
 * read-only scan followed by a script given the keys the scan found.
 */

export interface PromoteResult {
  promoted: number;
  /** Due time of the earliest delivery still waiting (ms since the epoch), if any. */
  nextDueAt?: number;
  /** Redis time of the last promotion call (ms since the epoch). */
  now: number;
}

/**
 * Promotes up to `limit` due deliveries of one shard. The script is given the keys of the
 * destinations in `recent` and answers the destinations it had no keys for; those are
 * remembered and the script called once more, so a destination seen before costs one round
 * trip and a new one two. Anything still due afterwards shows in `nextDueAt` (at most `now`).
 * With `expectDue` false the first call goes without the keys, which cost more than the look
 * itself (two a destination): for a look that most likely finds nothing due, at the price of a
 * second call when it does.
 */
export async function promoteDue(
  store: Store,
  shard: number,
  limit: number,
  recent: RecentDestinations = new RecentDestinations(),
  expectDue = true,
): Promise<PromoteResult> {
  const result: PromoteResult = { promoted: 0, now: 0 };
  for (let call = 0; call < 2; call++) {
    const dests = call === 0 && !expectDue ? [] : recent.list();
    const keys = store.scriptKeys.promote(shard, dests);
    const [now, nextDue, promoted, ...unknown] = await store.redis.ferryPromote(
      keys.length, ...keys, store.options.eventsMaxLen, limit, ...dests,
    );
    result.now = Number(now);
    result.promoted += Number(promoted);
    if (Number(nextDue) >= 0) result.nextDueAt = Number(nextDue);
    else delete result.nextDueAt;
    if (unknown.length === 0) break;
    recent.rememberInDueOrder(unknown.map(String));
  }
  return result;
}

/**
 * Takes back up to `limit` expired leases of one shard (fewer when their records are large);
 * `more` says that expired leases may be left for another call.
 */
export async function reapExpired(
  store: Store,
  shard: number,
  limit: number,
): Promise<{ requeued: number; deadLettered: number; more: boolean }> {
  const scanKeys = store.scriptKeys.leaseScan(shard);
  const [more, ...scan] = await store.redis.ferryLeaseScan(scanKeys.length, ...scanKeys, limit);
  const left = Number(more) === 1;
  if (scan.length === 0) return { requeued: 0, deadLettered: 0, more: left };

  const groups = new KeyGroups(store.scriptKeys.reapBatch(shard));
  const args: Array<string | number> = [store.options.eventsMaxLen, store.options.maxFreeAttempts];
  for (let i = 0; i + 3 < scan.length; i += 4) {
    const [id, dest, tenant, orderingKey] = [String(scan[i]), String(scan[i + 1]), String(scan[i + 2]), String(scan[i + 3])];
    const j = dest === '' ? 0 : groups.delivery({ shard, dest, tenant, orderingKey }, store.scriptKeys);
    args.push(id, j);
  }
  const [requeued, deadLettered] = await store.redis.ferryReap(groups.keys.length, ...groups.keys, ...args);
  return { requeued, deadLettered, more: left };
}

/** Forgets up to `limit` finished deliveries older than the retention; answers how many. */
export async function expireFinished(store: Store, shard: number, retentionMs: number, limit: number): Promise<number> {
  const keys = store.scriptKeys.expire(shard);
  return store.redis.ferryExpire(keys.length, ...keys, retentionMs, limit);
}

/**
 * Looks at up to `limit` destinations idle for longer than `idleMs`, oldest first after the
 * first `from` of them, and forgets those that carry no settings or work. Answers how many it
 * listed, forgot and kept: a caller that keeps its own `from` moving past the kept ones (they
 * stay idle at the head) reaches the rest. The candidates are picked by this process's clock;
 * the script decides by Redis's.
 */
export async function pruneDestinations(
  store: Store,
  shard: number,
  idleMs: number,
  limit: number,
  from = 0,
): Promise<{ listed: number; forgotten: number; kept: number }> {
  const idle = await store.redis.zrangebyscore(store.keys.destinations(shard), '-inf', Date.now() - idleMs, 'LIMIT', from, limit);
  if (idle.length === 0) return { listed: 0, forgotten: 0, kept: 0 };
  const keys = store.scriptKeys.destinationPrune(shard, idle);
  const forgotten = await store.redis.ferryDestPrune(keys.length, ...keys, idleMs, ...idle);
  return { listed: idle.length, forgotten, kept: idle.length - forgotten };
}

/**
 * Makes a shard's ready count exact once, by counting its ready lists (lua/ready-recount.lua):
 * a keyspace from before the count has ready work no script counted. Answers the count made,
 * or undefined when the shard had one already. It scans the keyspace: the scheduler calls it
 * once per shard, not on a hot path.
 */
export async function recountReady(store: Store, shard: number): Promise<number | undefined> {
  const keys = store.scriptKeys.readyRecount(shard);
  const made = await store.redis.ferryReadyRecount(keys.length, ...keys, store.keys.readyListPattern(shard));
  return made < 0 ? undefined : made;
}

/**
 * Queue depth of one shard, exact however many destinations it has: ready work is the shard's
 * ready count (all its ready lists together: lua/includes/ready.lua), which includes paused
 * destinations and ones at their concurrency cap. Cancelled entries still in a ready list are
 * counted until a claim drops them. A count below zero is answered as it is: services of an
 * older version popped work after the count was made (docs/operations.md, Upgrading).
 */
export async function shardDepth(store: Store, shard: number): Promise<ShardDepth> {
  const k = store.keys;
  const redis = store.redis;
  const [readyCount, scheduled, inFlight, dead] = await Promise.all([
    redis.hget(k.readyCount(shard), 'n'),
    redis.zcard(k.due(shard)),
    redis.zcard(k.leases(shard)),
    redis.zcard(k.dlq(shard)),
  ]);
  return { ready: Number(readyCount ?? 0), scheduled, inFlight, dead };
}
