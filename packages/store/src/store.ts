import type { DeliveryState } from '@ferry/contracts';
import type { Redis } from 'ioredis';
import { encodeAttempt, decodeAttempts, type AttemptOutcome } from './attempt-record';
import { decodeEnvelope, leasedDelivery } from './envelope';
import { EnqueueArgs } from './enqueue-args';
import { checkScriptResult, refusalOf, StoreError, StoreErrorCode } from './errors';
import { newMessageId, shardForDestination, shardOfMessageId } from './ids';
import { originOf } from './origin';
import { decodeHandoff } from './handoff';
import { KeyGroups } from './key-groups';
import { Keys } from './keys';
import { ScriptKeys } from './script-keys';
import { registerScripts } from './scripts';
import { envelopeStart, freeAttempts, readDelivery, splitDelivery } from './state-record';
import type {
  ClaimBatch,
  ClaimOptions,
  ClaimedDelivery,
  DeliveryView,
  Enqueued,
  EnqueueRequest,
  LeaseRef,
  StoreOptions,
} from './types';

/** What ended a wait for work: a delivery handed over on arrival, or a shard's wake-up token. */
export type WorkSignal = { kind: 'handoff'; delivery: ClaimedDelivery } | { kind: 'wake'; shard: number; dest: string };

const ENQUEUED_STATE = { 1: 'ready', 2: 'scheduled', 3: 'waiting', 4: 'in_flight' } as const;

/**
 * A stored delivery's state as an enqueue reports it. One that has already moved on (its reply
 * was lost while it was delivered, say) is reported as ready: accepted, its later state one
 * status read away.
 */
function enqueuedState(state: DeliveryState): Enqueued['state'] {
  return state === 'scheduled' || state === 'waiting' || state === 'in_flight' ? state : 'ready';
}

/** A parked destination this close to its time is handed to the claim script, which decides by Redis's clock. */
const PARKED_SLACK_MS = 50;

/**
 * The typed face of the Redis log: each method is one script call (or a read), so every
 * state change is atomic. Producers enqueue, cancel and read; dispatchers claim, then ack,
 * retry, defer, extend or release what they hold. Housekeeping lives in `maintenance.ts`,
 * destination settings in `destinations.ts`.
 */
export class Store {
  readonly keys: Keys;
  readonly scriptKeys: ScriptKeys;
  private readonly candidates = new Map<number, string[]>();
  private readonly candidateLimit: number;
  /** The lists waitForWork() blocks on, named once. */
  private waitKeys: { handoff: string[]; wake: string[] } | undefined;

  constructor(
    readonly redis: Redis,
    readonly options: StoreOptions,
  ) {
    this.keys = new Keys(options.prefix);
    this.scriptKeys = new ScriptKeys(this.keys);
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
   * Accepts many deliveries with one script call per shard (a batch of a hundred costs about
   * what one costs in round trips). Answers, per request in order, what became of it; a
   * duplicate id or a failed call for one shard does not stop the others.
   */
  async enqueueMany(requests: readonly EnqueueRequest[]): Promise<Array<PromiseSettledResult<Enqueued>>> {
    const byShard = new Map<number, Array<{ i: number; dest: string; id: string }>>();
    for (const [i, request] of requests.entries()) {
      const dest = originOf(request.url);
      const shard = this.shardOfDestination(dest);
      let items = byShard.get(shard);
      if (!items) byShard.set(shard, (items = []));
      items.push({ i, dest, id: request.id ?? newMessageId(shard) });
    }
    const results = new Array<PromiseSettledResult<Enqueued>>(requests.length);
    await Promise.all(
      [...byShard].map(async ([shard, items]) => {
        const call = new EnqueueArgs(shard, this.scriptKeys);
        for (const { i, dest, id } of items) call.add(id, dest, requests[i]!);
        try {
          const codes = await this.redis.ferryEnqueue(call.keys.length, ...call.keys, ...call.argv(this.options.eventsMaxLen));
          items.forEach(({ i, id }, n) => {
            const code = codes[n];
            const state = code === undefined ? undefined : ENQUEUED_STATE[code as keyof typeof ENQUEUED_STATE];
            results[i] = state ? { status: 'fulfilled', value: { id, state } } : { status: 'rejected', reason: refusalOf(code, id) };
          });
        } catch (err) {
          // The reply was lost after the script ran, or a script stopped part-way and kept what it
          // wrote: whatever is stored was accepted. Ask which, and in what state.
          const stored = await this.storedStates(shard, items.map(({ id }) => id)).catch(() => new Map<string, Enqueued['state']>());
          for (const { i, id } of items) {
            const state = stored.get(id);
            results[i] = state ? { status: 'fulfilled', value: { id, state } } : { status: 'rejected', reason: err };
          }
        }
      }),
    );
    return results;
  }

  /** The enqueue state of each of `ids` that is stored (one read each of the records, the leases and the due set). */
  private async storedStates(shard: number, ids: string[]): Promise<Map<string, Enqueued['state']>> {
    const [raws, leases, dues] = await Promise.all([
      this.redis.hmget(this.keys.deliveries(shard), ...ids),
      this.redis.hmget(this.keys.inflight(shard), ...ids),
      this.redis.zmscore(this.keys.due(shard), ...ids),
    ]);
    const states = new Map<string, Enqueued['state']>();
    ids.forEach((id, n) => {
      const raw = raws[n];
      if (raw === null || raw === undefined) return;
      const { record } = readDelivery(raw, leases[n] ?? null, dues[n] ?? null);
      states.set(id, enqueuedState(record.state));
    });
    return states;
  }

  /**
   * Leases up to `limit` ready deliveries of one shard, fairly across its destinations and
   * within their limits. The claim answers with the destinations now at the head of the
   * rotation; they are kept as the next call's candidates, so a steady stream needs one round
   * trip per batch.
   */
  async claim(shard: number, options: ClaimOptions): Promise<ClaimBatch> {
    let candidates = this.candidates.get(shard) ?? [];
    if (candidates.length === 0 && options.hint !== undefined) candidates = [options.hint];
    if (candidates.length === 0) {
      // One round trip tells an idle shard apart, so visiting it costs no script call.
      const [head, firstParked, handedOver, [seconds, micros]] = await Promise.all([
        this.redis.zrange(this.keys.dests(shard), 0, this.candidateLimit - 1),
        this.redis.zrange(this.keys.parked(shard), 0, 0, 'WITHSCORES'),
        this.redis.llen(this.keys.handoff(shard)),
        this.redis.time(),
      ]);
      // Parked times are Redis's clock: the wait is reckoned against it, never against this one.
      const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const nextParkedInMs = firstParked[1] === undefined ? undefined : Math.max(0, Number(firstParked[1]) - redisNow);
      // A parked destination whose time has come (give or take) is brought back by the claim
      // script; so is a handed-over delivery no waiting dispatcher took.
      const parkedDue = nextParkedInMs !== undefined && nextParkedInMs <= PARKED_SLACK_MS;
      if (head.length === 0 && handedOver === 0 && !parkedDue) {
        return nextParkedInMs === undefined ? { deliveries: [] } : { deliveries: [], nextParkedInMs };
      }
      candidates = head;
    }
    for (let round = 0; ; round++) {
      const { next, ...batch } = await this.claimFrom(shard, candidates, options);
      this.candidates.set(shard, next);
      // Nothing leased from stale candidates: try once more with the fresh ones.
      if (batch.deliveries.length > 0 || next.length === 0 || sameList(next, candidates) || round === 1) return batch;
      candidates = next;
    }
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
    next: { backoffMs: number; final: boolean; summary: string },
  ): Promise<'retrying' | 'failed'> {
    const keys = this.scriptKeys.retry(lease);
    const result = await this.redis.ferryRetry(
      keys.length,
      ...keys,
      this.options.eventsMaxLen, lease.id, lease.attempt, encodeAttempt(lease.attempt, outcome),
      Math.max(0, Math.round(next.backoffMs)), next.final ? 1 : 0, next.summary,
    );
    return checkScriptResult(result, lease.id) === 2 ? 'failed' : 'retrying';
  }

  /**
   * The destination asked to wait (Retry-After): parks it and hands the delivery back without
   * spending a retry. Answers false, changing nothing, once the delivery's free attempts are
   * spent — the caller then retries it normally, so a destination cannot hold it for ever.
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
    const [raw, trail, due, lease] = await Promise.all([
      this.redis.hget(k.deliveries(s), id),
      this.redis.hget(k.attempts(s), id),
      this.redis.zscore(k.due(s), id),
      this.redis.hget(k.inflight(s), id),
    ]);
    if (raw === null) return undefined;
    const { record, envelope } = readDelivery(raw, lease, due);
    const view: DeliveryView = { id, record, envelope: decodeEnvelope(envelope), attempts: decodeAttempts(trail) };
    if (due !== null) view.nextAttemptAt = Number(due);
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

  private async claimFrom(
    shard: number,
    dests: string[],
    options: ClaimOptions,
  ): Promise<ClaimBatch & { next: string[] }> {
    const keys = this.scriptKeys.claim(shard, dests);
    const [flat, next, nextParkedInMs] = await this.redis.ferryClaimBuffer(
      keys.length,
      ...keys,
      this.options.eventsMaxLen, options.leaseMs, options.limit, this.candidateLimit, options.defaultConcurrency, ...dests,
    );
    const deliveries: ClaimedDelivery[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) {
      const field = flat[i + 3] as Buffer;
      const lease = { id: String(flat[i]), shard, attempt: Number(flat[i + 1]), free: freeAttempts(field), dest: String(flat[i + 2]) };
      deliveries.push(leasedDelivery(field, lease, envelopeStart(field)));
    }
    const batch: ClaimBatch & { next: string[] } = { deliveries, next: next.map(String) };
    if (nextParkedInMs >= 0) batch.nextParkedInMs = nextParkedInMs;
    return batch;
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
