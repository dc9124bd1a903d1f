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
  /** Lost leases (dispatcher crashed or stalled) a delivery may have before it is dead-lettered. */
  maxLeaseLosses: number;
  /** Destinations a claim considers at once (fair rotation window). */
  claimCandidates?: number;
}

export interface EnqueueRequest extends Envelope {
  /** Generated when absent. */
  id?: string;
  /** The shard; derived from tenant and ordering key or destination when absent. */
  shard?: number;
  /** Retries + 1. */
  maxAttempts: number;
  delayMs?: number;
  /** Not before this time, ms since the epoch. */
  notBefore?: number;
}

export interface Enqueued {
  id: string;
  state: 'ready' | 'scheduled';
}

/** A delivery leased to a dispatcher. `attempt` doubles as the lease token. */
export interface ClaimedDelivery extends Envelope {
  id: string;
  shard: number;
  attempt: number;
  /** Destination origin. */
  dest: string;
}

/** Identifies a held lease for ack / retry / extend / release. */
export type LeaseRef = Pick<ClaimedDelivery, 'id' | 'shard' | 'attempt' | 'dest'>;

export interface DeliveryView {
  id: string;
  record: StateRecord;
  envelope: Envelope;
  attempts: Attempt[];
  /** Due time when scheduled or retrying, ms since the epoch. */
  nextAttemptAt?: number;
}

export interface ShardDepth {
  ready: number;
  scheduled: number;
  inFlight: number;
  dead: number;
}
