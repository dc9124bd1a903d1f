import { leasedDelivery } from './envelope';
import { envelopeStart, freeAttempts } from './state-record';
import type { Store } from './store';
import type { ClaimBatch, ClaimOptions, ClaimedDelivery, Pace } from './types';

/** A parked destination this close to its time is handed to the claim script, which decides by Redis's clock. */
const PARKED_SLACK_MS = 50;

/**
 * A store's claims: leases ready deliveries of a shard, fairly across its destinations and
 * within their limits. Each claim answers with the destinations now at the head of the
 * rotation; they are kept as the next claim's candidates, so a steady stream needs one round
 * trip per batch.
 */
export class ShardClaims {
  private readonly candidates = new Map<number, string[]>();

  constructor(
    private readonly store: Store,
    private readonly candidateLimit: number,
  ) {}

  async claim(shard: number, options: ClaimOptions): Promise<ClaimBatch> {
    let candidates = this.candidates.get(shard) ?? [];
    if (candidates.length === 0 && options.hint !== undefined) candidates = [options.hint];
    if (candidates.length === 0) {
      const idle = await this.idleLook(shard);
      if (idle.answer) return idle.answer;
      candidates = idle.head;
    }
    for (let round = 0; ; round++) {
      const { next, ...batch } = await this.claimFrom(shard, candidates, options);
      this.candidates.set(shard, next);
      // Nothing leased from stale candidates: try once more with the fresh ones.
      if (batch.deliveries.length > 0 || next.length === 0 || sameList(next, candidates) || round === 1) return batch;
      candidates = next;
    }
  }

  /**
   * One round trip tells an idle shard apart, so visiting it costs no script call: answers
   * the empty batch for one, or the head of its rotation to claim from.
   */
  private async idleLook(shard: number): Promise<{ answer?: ClaimBatch; head: string[] }> {
    const { redis, keys } = this.store;
    const [head, firstParked, handedOver, [seconds, micros]] = await Promise.all([
      redis.zrange(keys.dests(shard), 0, this.candidateLimit - 1),
      redis.zrange(keys.parked(shard), 0, 0, 'WITHSCORES'),
      redis.llen(keys.handoff(shard)),
      redis.time(),
    ]);
    // Parked times are Redis's clock: the wait is reckoned against it, never against this one.
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const nextParkedInMs = firstParked[1] === undefined ? undefined : Math.max(0, Number(firstParked[1]) - redisNow);
    // A parked destination whose time has come (give or take) is brought back by the claim
    // script; so is a handed-over delivery no waiting dispatcher took.
    const parkedDue = nextParkedInMs !== undefined && nextParkedInMs <= PARKED_SLACK_MS;
    if (head.length > 0 || handedOver > 0 || parkedDue) return { head };
    return { answer: nextParkedInMs === undefined ? { deliveries: [] } : { deliveries: [], nextParkedInMs }, head };
  }

  private async claimFrom(shard: number, dests: string[], options: ClaimOptions): Promise<ClaimBatch & { next: string[] }> {
    const { redis, scriptKeys, options: storeOptions } = this.store;
    const keys = scriptKeys.claim(shard, dests);
    const [flat, next, nextParkedInMs, paceList] = await redis.ferryClaimBuffer(
      keys.length,
      ...keys,
      storeOptions.eventsMaxLen, options.leaseMs, options.limit, this.candidateLimit, options.defaultConcurrency, ...dests,
    );
    const paces = pacesOf(paceList);
    const deliveries: ClaimedDelivery[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) {
      const field = flat[i + 3] as Buffer;
      const lease = { id: String(flat[i]), shard, attempt: Number(flat[i + 1]), free: freeAttempts(field), dest: String(flat[i + 2]) };
      const delivery = leasedDelivery(field, lease, envelopeStart(field));
      const pace = paces?.get(lease.dest);
      if (pace) delivery.pace = pace;
      deliveries.push(delivery);
    }
    const batch: ClaimBatch & { next: string[] } = { deliveries, next: next.map(String) };
    if (nextParkedInMs >= 0) batch.nextParkedInMs = nextParkedInMs;
    return batch;
  }
}

/** The claim's (dest, interval, tolerance) list by destination; none for a batch without rates, the usual case. */
function pacesOf(list: Buffer[]): Map<string, Pace> | undefined {
  if (list.length === 0) return undefined;
  const paces = new Map<string, Pace>();
  for (let i = 0; i + 2 < list.length; i += 3) {
    paces.set(String(list[i]), { intervalMs: Number(String(list[i + 1])), toleranceMs: Number(String(list[i + 2])) });
  }
  return paces;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
