import type { Redis } from 'ioredis';
import { encodeAttempt, decodeAttempts, type AttemptOutcome } from './attempt-record';
import { enqueueMany } from './enqueue-many';
import { decodeEnvelope } from './envelope';
import { checkScriptResult, refusalOf, StoreError, StoreErrorCode } from './errors';
import { shardForDestination, shardOfMessageId } from './ids';
import { decodeHandoff } from './handoff';
import { KeyGroups } from './key-groups';
import { Keys } from './keys';
import { ScriptKeys } from './script-keys';
import { registerScripts } from './scripts';
import { ShardClaims } from './shard-claims';
import { readDelivery, splitDelivery } from './state-record';
import type { ClaimBatch, ClaimOptions, ClaimedDelivery, DeliveryView, Enqueued, EnqueueRequest, LeaseRef, RetryPlan, StoreOptions } from './types';

/** What ended a wait for work: a delivery handed over on arrival, or a shard's wake-up token. */
export type WorkSignal = { kind: 'handoff'; delivery: ClaimedDelivery } | { kind: 'wake'; shard: number; dest: string };

/**
 * The typed face of the Redis log: each method is one script call (or a read), so every
 * state change is atomic. Producers enqueue, cancel and read; dispatchers claim, then ack,
 * retry, defer, extend or release what they hold. Housekeeping lives in `maintenance.ts`,
 * destination settings in `destinations.ts`.
 */
export class Store {
  readonly keys: Keys;
  readonly scriptKeys: ScriptKeys;
  private readonly claims: ShardClaims;
  /** The lists waitForWork() blocks on, named once. */
  private waitKeys: { handoff: string[]; wake: string[] } | undefined;

  constructor(
    readonly redis: Redis,
    readonly options: StoreOptions,
  ) {
    this.keys = new Keys(options.prefix);
    this.scriptKeys = new ScriptKeys(this.keys);
    this.claims = new ShardClaims(this, options.claimCandidates ?? 16);
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

  /** The shard every delivery to this destination origin lives on. */
  shardOfDestination(origin: string): number {
    return shardForDestination(origin, this.options.shards);
  }

  async enqueue(request: EnqueueRequest): Promise<Enqueued> {
    const [result] = await this.enqueueMany([request]);
    if (result!.status === 'rejected') throw result!.reason;
    return result!.value;
  }

  /**
   * Accepts many deliveries with one script call per shard. Answers, per request in order, what
   * became of it (enqueue-many.ts).
   */
  enqueueMany(requests: readonly EnqueueRequest[]): Promise<Array<PromiseSettledResult<Enqueued>>> {
    return enqueueMany(this, requests);
  }

  /**
   * Leases up to `limit` ready deliveries of one shard, fairly across its destinations and
   * within their limits (shard-claims.ts).
   */
  claim(shard: number, options: ClaimOptions): Promise<ClaimBatch> {
    return this.claims.claim(shard, options);
  }

  async ack(lease: LeaseRef, outcome: AttemptOutcome): Promise<void> {
    const [refused] = await this.ackMany([{ lease, outcome }]);
    if (refused) throw refused;
  }

  /**
   * Records many successful attempts with one script call per shard. Answers, per item in
   * order, the refusal (a stale lease, an unknown delivery) or undefined when it was recorded.
   */
  async ackMany(items: ReadonlyArray<{ lease: LeaseRef; outcome: AttemptOutcome }>): Promise<Array<StoreError | undefined>> {
    const byShard = new Map<number, number[]>();
    for (const [i, { lease }] of items.entries()) {
      let indexes = byShard.get(lease.shard);
      if (!indexes) byShard.set(lease.shard, (indexes = []));
      indexes.push(i);
    }
    const results = new Array<StoreError | undefined>(items.length);
    await Promise.all(
      [...byShard].map(async ([shard, indexes]) => {
        const groups = new KeyGroups(this.scriptKeys.ackBatch(shard));
        const args: Array<string | number> = [this.options.eventsMaxLen];
        for (const i of indexes) {
          const { lease, outcome } = items[i]!;
          const j = groups.delivery(lease, this.scriptKeys);
          args.push(lease.id, lease.attempt, encodeAttempt(lease.attempt, outcome), j);
        }
        const codes = await this.redis.ferryAck(groups.keys.length, ...groups.keys, ...args);
        indexes.forEach((i, n) => {
          const code = codes[n];
          results[i] = code !== undefined && code >= 0 ? undefined : refusalOf(code, items[i]!.lease.id);
        });
      }),
    );
    return results;
  }

  /** Records a failed attempt; answers whether the delivery will be retried or was dead-lettered. */
  async retry(
    lease: LeaseRef,
    outcome: AttemptOutcome,
    next: RetryPlan,
  ): Promise<'retrying' | 'failed'> {
    const keys = this.scriptKeys.retry(lease);
    const result = await this.redis.ferryRetry(
      keys.length,
      ...keys,
      this.options.eventsMaxLen, lease.id, lease.attempt, encodeAttempt(lease.attempt, outcome),
      Math.max(0, Math.round(next.backoffMs)), next.final ? 1 : 0, next.summary,
      Math.max(0, Math.round(next.destinationWaitMs ?? 0)),
    );
    return checkScriptResult(result, lease.id) === 2 ? 'failed' : 'retrying';
  }

  /**
   * The destination asked to wait (Retry-After): parks it and hands the delivery back without
   * spending a retry. Answers false, changing nothing, once the delivery's free attempts are
   * spent — the caller then retries it normally, so a destination cannot hold it for ever, and
   * passes the wait on (`destinationWaitMs`) so that the destination is parked all the same.
   */
  async defer(lease: LeaseRef, outcome: AttemptOutcome, wait: { waitMs: number; summary: string }): Promise<boolean> {
    const keys = this.scriptKeys.defer(lease);
    const result = await this.redis.ferryDefer(
      keys.length,
      ...keys,
      this.options.eventsMaxLen, lease.id, lease.attempt, encodeAttempt(lease.attempt, outcome),
      Math.max(0, Math.round(wait.waitMs)), this.options.maxFreeAttempts, wait.summary,
    );
    return checkScriptResult(result, lease.id) === 1;
  }

  /** Pushes the lease's expiry to `leaseMs` from now; answers the new expiry (ms). */
  async extend(lease: LeaseRef, leaseMs: number): Promise<number> {
    const s = lease.shard;
    const keys = this.scriptKeys.extend(s);
    const result = await this.redis.ferryExtend(keys.length, ...keys, lease.id, lease.attempt, leaseMs);
    return checkScriptResult(result, lease.id);
  }

  /**
   * Checks a delivery that waited after its lease, right before it is sent: answers 'send', with
   * the lease renewed to `leaseMs` from now, or 'held' when its destination was paused or told
   * to wait (Retry-After) meanwhile, and the delivery went back, unsent and spending nothing, to
   * the front of its ready list. Throws LeaseLost (or NotFound) when the lease is no longer held.
   */
  async startCheck(lease: LeaseRef, leaseMs: number): Promise<'send' | 'held'> {
    const keys = this.scriptKeys.startCheck(lease);
    const result = await this.redis.ferryStartCheck(keys.length, ...keys, this.options.eventsMaxLen, lease.id, lease.attempt, leaseMs, lease.dest);
    return checkScriptResult(result, lease.id) === 0 ? 'held' : 'send';
  }

  /**
   * Hands a lease back unfinished, without spending a retry. The attempt made under it, if one
   * was, goes on the status trail.
   */
  async release(lease: LeaseRef, attempt?: AttemptOutcome): Promise<void> {
    const keys = this.scriptKeys.release(lease);
    const record = attempt === undefined ? '' : encodeAttempt(lease.attempt, attempt);
    const result = await this.redis.ferryRelease(keys.length, ...keys, this.options.eventsMaxLen, lease.id, lease.attempt, record);
    checkScriptResult(result, lease.id);
  }

  /** Cancels a delivery that has not started; throws NotFound or NotCancellable. */
  async cancel(id: string): Promise<void> {
    const shard = this.shardOf(id);
    const raw = shard === undefined ? null : await this.redis.hget(this.keys.deliveries(shard), id);
    if (shard === undefined || raw === null) throw new StoreError(StoreErrorCode.NotFound, id);
    const { dest, tenant, orderingKey } = splitDelivery(raw).record;
    const keys = this.scriptKeys.cancel({ shard, dest, tenant, orderingKey });
    checkScriptResult(await this.redis.ferryCancel(keys.length, ...keys, this.options.eventsMaxLen, id), id);
  }

  async get(id: string): Promise<DeliveryView | undefined> {
    const s = this.shardOf(id);
    if (s === undefined) return undefined;
    const k = this.keys;
    // Read in one script, at one moment (lua/status.lua).
    const keys = this.scriptKeys.status(s);
    const [raw, trail, due, lease] = await this.redis.ferryStatus(keys.length, ...keys, id);
    if (raw === null || raw === undefined) return undefined;
    const { record, envelope } = readDelivery(raw, lease ?? null, due ?? null);
    const view: DeliveryView = { id, record, envelope: decodeEnvelope(envelope), attempts: decodeAttempts(trail ?? null) };
    if (due !== null && due !== undefined) view.nextAttemptAt = Number(due);
    // Waiting behind its ordering key, and not before its own delay either.
    if (record.state === 'waiting' && record.dueAt > Date.now()) view.nextAttemptAt = record.dueAt;
    if (record.state === 'ready') {
      // Ready, but its destination asked to wait (Retry-After): it is not tried before then. A
      // paused destination has no such time.
      const [until, paused] = await this.redis.hmget(k.dest(s, record.dest), 'until', 'paused');
      if (paused !== '1' && Number(until ?? 0) > Date.now()) view.nextAttemptAt = Number(until);
    }
    return view;
  }

  /**
   * Blocks on the shards' handoff and wake-up lists until one has an entry or the timeout
   * passes. Answers a delivery handed over on arrival (leased to the caller: see handoff.ts),
   * or the shard that was woken and the destination its token names (a hint for the next
   * claim). Needs a connection of its own (it blocks).
   */
  async waitForWork(blocking: Redis, timeoutSeconds: number): Promise<WorkSignal | undefined> {
    const { handoff, wake } = (this.waitKeys ??= {
      handoff: Array.from({ length: this.options.shards }, (_, s) => this.keys.handoff(s)),
      wake: Array.from({ length: this.options.shards }, (_, s) => this.keys.wake(s)),
    });
    // BLPOP takes from the first list named that has an entry: hand-offs go first.
    const popped = await blocking.blpopBuffer(...handoff, ...wake, timeoutSeconds);
    if (!popped) return undefined;
    const key = popped[0].toString();
    const value = popped[1];
    const handoffShard = handoff.indexOf(key);
    if (handoffShard !== -1) {
      const delivery = decodeHandoff(value, handoffShard);
      return delivery && { kind: 'handoff', delivery };
    }
    const shard = wake.indexOf(key);
    return shard === -1 ? undefined : { kind: 'wake', shard, dest: value.toString() };
  }
}

/** The store options every service derives from its environment. */
export interface StoreEnv {
  FERRY_KEY_PREFIX: string;
  FERRY_SHARDS: number;
  FERRY_EVENTS_MAXLEN: number;
  FERRY_MAX_FREE_ATTEMPTS: number;
}

/** A Store on `redis`, checked against the shard count its keyspace was created with. */
export async function openStore(redis: Redis, env: StoreEnv): Promise<Store> {
  const store = new Store(redis, {
    prefix: env.FERRY_KEY_PREFIX,
    shards: env.FERRY_SHARDS,
    eventsMaxLen: env.FERRY_EVENTS_MAXLEN,
    maxFreeAttempts: env.FERRY_MAX_FREE_ATTEMPTS,
  });
  await store.ensureShardCount();
  return store;
}
