import type { Attempt } from '@ferry/contracts';
import type { Envelope } from './envelope';
import type { StateRecord } from './state-record';

export interface StoreOptions {
  /** Key prefix, `ferry` unless several Ferry installations share one Redis. */
  prefix: string;
  /** Number of shards; fixed for the life of a keyspace (checked by `ensureShardCount`). */
  shards: number;
  /** Approximate length each shard's event stream is trimmed to. */
  eventsMaxLen: number;
  /**
   * Attempts a delivery may lose without spending a retry: lost leases (a dispatcher crashed or
   * stalled) and waits a destination asked for (Retry-After). Past it, both spend retries, and
   * a delivery whose retries are spent is dead-lettered.
   */
  maxFreeAttempts: number;
  /** Destinations a claim considers at once (fair rotation window). */
  claimCandidates?: number;
}

export interface EnqueueRequest extends Envelope {
  /** Generated when absent. */
  id?: string;
  /** Retries + 1. */
  maxAttempts: number;
  delayMs?: number;
  /** Not before this time, ms since the epoch. */
  notBefore?: number;
}

export interface Enqueued {
  id: string;
  /** in_flight: handed on arrival to a dispatcher that was waiting for work. */
  state: 'ready' | 'scheduled' | 'waiting' | 'in_flight';
}

export interface ClaimOptions {
  /** Most deliveries to lease. */
  limit: number;
  leaseMs: number;
  /** Concurrency cap of a destination without one of its own. */
  defaultConcurrency: number;
  /** A destination believed to have ready work (from a wake-up token): tried first. */
  hint?: string;
}

export interface ClaimBatch {
  deliveries: ClaimedDelivery[];
  /**
   * How long until the first parked destination of the shard may send again (ms, by Redis's
   * clock as of the answer): a wait, so no caller's clock is compared with Redis's.
   */
  nextParkedInMs?: number;
}

/**
 * A destination's rate as its limiter applies it (GCRA, lua/includes/limits.lua): starts are
 * `intervalMs` apart, and up to `toleranceMs` ahead of that is allowed (the burst).
 */
export interface Pace {
  intervalMs: number;
  toleranceMs: number;
}

/** A delivery leased to a dispatcher, its body as the bytes to send. `attempt` doubles as the lease token. */
export interface ClaimedDelivery extends Envelope<Buffer> {
  id: string;
  shard: number;
  attempt: number;
  /**
   * Earlier attempts that spent no retry (a Retry-After wait, a release, a lost lease): the
   * record's `free`. `attempt - free` counts the failures, this attempt's included, that the
   * store's retry budget and the back-off go by (lua/retry.lua).
   */
  free: number;
  /** Destination origin. */
  dest: string;
  /**
   * The destination's rate, when it has one. The claim held the lease to it; a dispatcher that
   * holds the delivery back before sending (every slot busy) spaces the start by it too.
   */
  pace?: Pace;
}

/** Identifies a held lease for ack / retry / defer / extend / release. */
export type LeaseRef = Pick<ClaimedDelivery, 'id' | 'shard' | 'attempt' | 'dest' | 'tenant' | 'orderingKey'>;

/** The failure of an attempt, for `retry` and `defer`. */
export interface FailureNote {
  /** A few words kept as the destination's last error, e.g. "HTTP 503" or "timeout after 15000 ms". */
  summary: string;
}

/** What `retry` does after a failed attempt. */
export interface RetryPlan extends FailureNote {
  /** Wait before the next attempt (the back-off). */
  backoffMs: number;
  /** No further attempt whatever remains: dead-letter now. */
  final: boolean;
  /** How long the destination asked everyone to wait (a Retry-After); it is parked until then. */
  destinationWaitMs?: number;
}

export interface DeliveryView {
  id: string;
  record: StateRecord;
  envelope: Envelope;
  attempts: Attempt[];
  /**
   * When it is tried next at the earliest, ms since the epoch: its due time when scheduled or
   * retrying (or waiting behind its ordering key with a delay of its own), or the end of its
   * destination's Retry-After wait when ready behind one.
   */
  nextAttemptAt?: number;
}

export interface ShardDepth {
  ready: number;
  scheduled: number;
  inFlight: number;
  dead: number;
}
