import { DeliveryState } from '@ferry/contracts';
import { NEWLINE } from './envelope';

/** TypeScript view of a delivery's record line (format in lua/includes/record.lua). */
export interface StateRecord {
  state: DeliveryState;
  attempt: number;
  maxAttempts: number;
  free: number;
  createdAt: number;
  updatedAt: number;
  /** When it may start, ms since the epoch; 0 for at once. */
  dueAt: number;
  dest: string;
  tenant: string;
  /** '' when it has none. */
  orderingKey: string;
}

const RECORD = /^([a-z_]+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|([^|]*)\|([^|]*)\|(.*)$/;

/** Splits a stored delivery into its record and its envelope (the rest, after the first newline). */
export function splitDelivery(raw: string): { record: StateRecord; envelope: string } {
  const newline = raw.indexOf('\n');
  if (newline === -1) throw new Error(`malformed delivery: ${raw.slice(0, 80)}`);
  return { record: parseStateRecord(raw.slice(0, newline)), envelope: raw.slice(newline + 1) };
}

function parseStateRecord(raw: string): StateRecord {
  const match = RECORD.exec(raw);
  const state = DeliveryState.safeParse(match?.[1]);
  if (!match || !state.success) throw new Error(`malformed delivery state record: ${raw.slice(0, 80)}`);
  return {
    state: state.data,
    attempt: Number(match[2]),
    maxAttempts: Number(match[3]),
    free: Number(match[4]),
    createdAt: Number(match[5]),
    updatedAt: Number(match[6]),
    dueAt: Number(match[7]),
    dest: match[8]!,
    tenant: match[9]!,
    orderingKey: match[10]!,
  };
}

/** Where the envelope starts in a stored field read as bytes (a claim's reply): after the record line. */
export function envelopeStart(field: Buffer): number {
  return field.indexOf(NEWLINE) + 1;
}

const BAR = 0x7c;
const ZERO = 0x30;

/**
 * The record line's `free` count (its fourth field) in a stored field read as bytes, without
 * decoding the line to text: a claim's reply holds one field per delivery, on the hot path.
 */
export function freeAttempts(field: Buffer): number {
  let at = 0;
  for (let bars = 0; bars < 3; bars++) at = field.indexOf(BAR, at) + 1;
  let free = 0;
  for (let byte = field[at]; byte !== undefined && byte !== BAR; byte = field[++at]) free = free * 10 + byte - ZERO;
  return free;
}

const LEASE = /^(\d+)\|(\d+)$/;

/**
 * A stored delivery as it stands now: its field, with the lease its inflight entry holds and
 * its score in the due set (null when it has none). Claims and promotions do not rewrite the
 * record, so what they changed is read from those.
 */
export function readDelivery(raw: string, lease: string | null, due: string | null): { record: StateRecord; envelope: string } {
  const delivery = splitDelivery(raw);
  if (lease !== null) applyLease(delivery.record, lease);
  else if (due === null) applyPromotion(delivery.record);
  return delivery;
}

/**
 * A claim does not rewrite the record (lua/includes/lease.lua): while the lease runs, the
 * shard's inflight entry, "attempt|leasedAt", holds what changed. Puts it on the record.
 */
function applyLease(record: StateRecord, entry: string): void {
  const match = LEASE.exec(entry);
  if (!match) throw new Error(`malformed inflight entry: ${entry.slice(0, 80)}`);
  record.state = 'in_flight';
  record.attempt = Number(match[1]);
  record.updatedAt = Number(match[2]);
}

/**
 * A promotion does not rewrite the record (lua/promote.lua): a scheduled or retrying delivery
 * that is neither due nor leased has been moved to its destination's ready list. Puts that on
 * the record, with the due time as when it became ready.
 */
function applyPromotion(record: StateRecord): void {
  if (record.state !== 'scheduled' && record.state !== 'retrying') return;
  record.state = 'ready';
  record.updatedAt = Math.max(record.updatedAt, record.dueAt);
  record.dueAt = 0;
}
