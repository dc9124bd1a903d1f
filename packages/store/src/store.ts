import type { Redis } from 'ioredis';
import { encodeAttempt, decodeAttempts, type AttemptOutcome } from './attempt-record';
import { decodeEnvelope, encodeEnvelope } from './envelope';
import { checkScriptResult, StoreError, StoreErrorCode } from './errors';
import { newMessageId, shardFor, shardOfMessageId } from './ids';
import { Keys } from './keys';
import { registerScripts } from './scripts';
import { parseStateRecord } from './state-record';
import type { ClaimedDelivery, DeliveryView, Enqueued, EnqueueRequest, LeaseRef, StoreOptions } from './types';

/**
 * The typed face of the Redis log: each method is one script call (or a read), so every
 * state change is atomic. Producers enqueue, cancel and read; dispatchers claim, then ack,
 * retry, extend or release what they hold. Housekeeping lives in `maintenance.ts`.
 */
export class Store {
  readonly keys: Keys;
  private readonly candidates = new Map<number, string[]>();
  private readonly candidateLimit: number;

  constructor(
    readonly redis: Redis,
    readonly options: StoreOptions,
  ) {
    this.keys = new Keys(options.prefix);
    this.candidateLimit = options.claimCandidates ?? 16;
    registerScripts(redis);
  }

  /** Records the shard count on first use and refuses to run against a keyspace made with another. */
  async ensureShardCount(): Promise<void> {
    const key = this.keys.shardCount();
    await this.redis.set(key, String(this.options.shards), 'NX');
    const recorded = Number(await this.redis.get(key));
    if (recorded !== this.options.shards) {
      throw new Error(
        `FERRY_SHARDS is ${this.options.shards} but this Redis keyspace (prefix "${this.options.prefix}") ` +
          `was created with ${recorded} shards; use ${recorded}`,
      );
    }
  }

  shardOf(id: string): number | undefined {
    return shardOfMessageId(id, this.options.shards);
  }

  async enqueue(request: EnqueueRequest): Promise<Enqueued> {
    const k = this.keys;
    const dest = new URL(request.url).origin;
    const shard =
      request.shard ?? shardFor(request.tenant, request.orderingKey ?? dest, this.options.shards);
    const id = request.id ?? newMessageId(shard);
    const result = await this.redis.ferryEnqueue(
      7,
      k.state(shard), k.msg(shard), k.due(shard), k.ready(shard, dest), k.dests(shard), k.events(shard), k.wake(shard),
      this.options.eventsMaxLen, id, encodeEnvelope(request), dest, request.maxAttempts,
      request.delayMs ?? 0, request.notBefore ?? 0,
    );
    return { id, state: checkScriptResult(result, id) === 2 ? 'scheduled' : 'ready' };
  }

  /**
   * Leases up to `limit` ready deliveries of one shard, fairly across its destinations.
   * The claim answers with the destinations now at the head of the rotation; they are kept
   * as the next call's candidates, so a steady stream needs one round trip per batch.
   */
  async claim(shard: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    let candidates = this.candidates.get(shard) ?? [];
    if (candidates.length === 0) candidates = await this.headOfRotation(shard);
    for (let round = 0; round < 2 && candidates.length > 0; round++) {
      const { leased, next } = await this.claimFrom(shard, candidates, limit, leaseMs);
      this.candidates.set(shard, next);
      // Nothing leased from stale candidates: try once more with the fresh ones.
      if (leased.length > 0 || sameList(next, candidates)) return leased;
      candidates = next;
    }
    return [];
  }

  async ack(lease: LeaseRef, outcome: AttemptOutcome): Promise<void> {
    const k = this.keys;
    const s = lease.shard;
    const result = await this.redis.ferryAck(
      6,
      k.state(s), k.leases(s), k.attempts(s), k.done(s), k.events(s), k.dest(s, lease.dest),
      this.options.eventsMaxLen, lease.id, lease.attempt, encodeAttempt(lease.attempt, outcome),
    );
    checkScriptResult(result, lease.id);
  }

  /** Records a failed attempt; answers whether the delivery will be retried or was dead-lettered. */
  async retry(
    lease: LeaseRef,
    outcome: AttemptOutcome,
    next: { backoffMs: number; final: boolean },
  ): Promise<'retrying' | 'failed'> {
    const k = this.keys;
    const s = lease.shard;
    const result = await this.redis.ferryRetry(
      8,
      k.state(s), k.leases(s), k.attempts(s), k.due(s), k.dlq(s), k.done(s), k.events(s), k.dest(s, lease.dest),
      this.options.eventsMaxLen, lease.id, lease.attempt, encodeAttempt(lease.attempt, outcome),
      Math.max(0, Math.round(next.backoffMs)), next.final ? 1 : 0,
    );
    return checkScriptResult(result, lease.id) === 2 ? 'failed' : 'retrying';
  }

  /** Pushes the lease's expiry to `leaseMs` from now; answers the new expiry (ms). */
  async extend(lease: LeaseRef, leaseMs: number): Promise<number> {
    const s = lease.shard;
    const result = await this.redis.ferryExtend(2, this.keys.state(s), this.keys.leases(s), lease.id, lease.attempt, leaseMs);
    return checkScriptResult(result, lease.id);
  }

  /** Hands a lease back unfinished, without spending a retry. */
  async release(lease: LeaseRef): Promise<void> {
    const k = this.keys;
    const s = lease.shard;
    const result = await this.redis.ferryRelease(
      7,
      k.state(s), k.leases(s), k.ready(s, lease.dest), k.dests(s), k.events(s), k.wake(s), k.dest(s, lease.dest),
      this.options.eventsMaxLen, lease.id, lease.attempt,
    );
    checkScriptResult(result, lease.id);
  }

  /** Cancels a delivery that has not started; throws NotFound or NotCancellable. */
  async cancel(id: string): Promise<void> {
    const s = this.shardOf(id);
    if (s === undefined) throw new StoreError(StoreErrorCode.NotFound, id);
    const k = this.keys;
    const result = await this.redis.ferryCancel(4, k.state(s), k.due(s), k.done(s), k.events(s), this.options.eventsMaxLen, id);
    checkScriptResult(result, id);
  }

  async get(id: string): Promise<DeliveryView | undefined> {
    const s = this.shardOf(id);
    if (s === undefined) return undefined;
    const k = this.keys;
    const [state, msg, trail, due] = await Promise.all([
      this.redis.hget(k.state(s), id),
      this.redis.hget(k.msg(s), id),
      this.redis.hget(k.attempts(s), id),
      this.redis.zscore(k.due(s), id),
    ]);
    if (state === null || msg === null) return undefined;
    const view: DeliveryView = {
      id,
      record: parseStateRecord(state),
      envelope: decodeEnvelope(msg),
      attempts: decodeAttempts(trail),
    };
    if (due !== null) view.nextAttemptAt = Number(due);
    return view;
  }

  /**
   * Blocks on the shards' wake-up lists until one has a token or the timeout passes;
   * answers the shard that was woken. Needs a connection of its own (it blocks).
   */
  async waitForWork(blocking: Redis, timeoutSeconds: number): Promise<number | undefined> {
    const keys = Array.from({ length: this.options.shards }, (_, s) => this.keys.wake(s));
    const popped = await blocking.blpop(...keys, timeoutSeconds);
    if (!popped) return undefined;
    const shard = keys.indexOf(popped[0]);
    return shard === -1 ? undefined : shard;
  }

  private async headOfRotation(shard: number): Promise<string[]> {
    return this.redis.zrange(this.keys.dests(shard), 0, this.candidateLimit - 1);
  }

  private async claimFrom(
    shard: number,
    dests: string[],
    limit: number,
    leaseMs: number,
  ): Promise<{ leased: ClaimedDelivery[]; next: string[] }> {
    const k = this.keys;
    const keys = [k.state(shard), k.msg(shard), k.leases(shard), k.dests(shard), k.events(shard), k.wake(shard)];
    for (const dest of dests) keys.push(k.ready(shard, dest), k.dest(shard, dest));
    const [flat, next] = await this.redis.ferryClaim(
      keys.length,
      ...keys,
      this.options.eventsMaxLen, leaseMs, limit, this.candidateLimit, ...dests,
    );
    const leased: ClaimedDelivery[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) {
      const envelope = decodeEnvelope(String(flat[i + 3]));
      leased.push({ ...envelope, id: String(flat[i]), shard, attempt: Number(flat[i + 1]), dest: String(flat[i + 2]) });
    }
    return { leased, next };
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** The store options every service derives from its environment. */
export interface StoreEnv {
  FERRY_KEY_PREFIX: string;
  FERRY_SHARDS: number;
  FERRY_EVENTS_MAXLEN: number;
  FERRY_MAX_LEASE_LOSSES: number;
}

/** A Store on `redis`, checked against the shard count its keyspace was created with. */
export async function openStore(redis: Redis, env: StoreEnv): Promise<Store> {
  const store = new Store(redis, {
    prefix: env.FERRY_KEY_PREFIX,
    shards: env.FERRY_SHARDS,
    eventsMaxLen: env.FERRY_EVENTS_MAXLEN,
    maxLeaseLosses: env.FERRY_MAX_LEASE_LOSSES,
  });
  await store.ensureShardCount();
  return store;
}
