import { randomBytes, createHash } from 'node:crypto';

/**
 * Message ids carry their shard (`msg_<shard base36>_<time base36><random>`), so a lookup by id
 * needs no index. The time part makes ids sort roughly by creation, which helps when reading logs.
 */
const ID = /^msg_([0-9a-z]{1,3})_[0-9a-z]{12,24}$/;

export function newMessageId(shard: number): string {
  const random = randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0').slice(0, 10);
  return `msg_${shard.toString(36)}_${Date.now().toString(36)}${random}`;
}

/** The shard encoded in a message id, or undefined when the text is not a message id. */
export function shardOfMessageId(id: string, shardCount: number): number | undefined {
  const match = ID.exec(id);
  if (!match) return undefined;
  const shard = parseInt(match[1]!, 36);
  return shard < shardCount ? shard : undefined;
}

/**
 * Picks the shard for a destination origin. Every delivery to a destination lands on its
 * shard, so its concurrency cap, rate limit, pause and ordering keys are decided by one script
 * in one slot (docs/decisions/0003-fair-isolated-ordered-delivery.md).
 */
export function shardForDestination(origin: string, shardCount: number): number {
  if (shardCount === 1) return 0;
  return createHash('sha1').update(origin).digest().readUInt32BE(0) % shardCount;
}
