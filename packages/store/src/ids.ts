import { createHash } from 'node:crypto';
import { boundedMemo, takeRandomBytes } from '@ferry/runtime';

/**
 * Message ids carry their shard (`msg_<shard base36>_<time base36><random>`), so a lookup by id
 * needs no index. The time part makes ids sort roughly by creation, which helps when reading logs.
 */
const ID = /^msg_([0-9a-z]{1,3})_[0-9a-z]{12,24}$/;

export function newMessageId(shard: number): string {
  // 50 random bits as ten base-32 digits (a subset of base 36): a table lookup per digit, where
  // Number#toString(36) costs over a microsecond an id.
  const bytes = takeRandomBytes(RANDOM_DIGITS);
  let random = '';
  for (let i = 0; i < RANDOM_DIGITS; i++) random += BASE32[bytes[i]! & 31];
  return `msg_${shard.toString(36)}_${timePart()}${random}`;
}

const RANDOM_DIGITS = 10;
const BASE32 = '0123456789abcdefghijklmnopqrstuv';

// The time part changes once a millisecond; ids made within one reuse its text.
let lastMs = -1;
let lastTimePart = '';
function timePart(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTimePart = now.toString(36);
  }
  return lastTimePart;
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
  return originHash(origin) % shardCount;
}

const originHash = boundedMemo(10_000, (origin) => createHash('sha1').update(origin).digest().readUInt32BE(0));
