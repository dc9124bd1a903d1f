import type { HttpMethod } from '@ferry/contracts';
import type { ClaimedDelivery } from './types';

/**
 * What a delivery sends, fixed at publish time. Stored as one hash field: the metadata as
 * compact JSON, a newline, then the body verbatim — a body is never escaped into JSON, which
 * would inflate it (JSON.stringify escapes newlines, so the first one is the separator).
 */
export interface Envelope<Body = string> {
  tenant: string;
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  /** Text as published; bytes in a claimed delivery (decodeEnvelopeBytes). */
  body?: Body;
  timeoutMs?: number;
  orderingKey?: string;
}

interface StoredMeta {
  t: string;
  u: string;
  m: HttpMethod;
  h: Record<string, string>;
  b: 0 | 1;
  to?: number;
  k?: string;
}

export function encodeEnvelope(envelope: Envelope): string {
  const meta: StoredMeta = {
    t: envelope.tenant,
    u: envelope.url,
    m: envelope.method,
    h: envelope.headers,
    b: envelope.body === undefined ? 0 : 1,
  };
  if (envelope.timeoutMs !== undefined) meta.to = envelope.timeoutMs;
  if (envelope.orderingKey !== undefined) meta.k = envelope.orderingKey;
  return `${JSON.stringify(meta)}\n${envelope.body ?? ''}`;
}

export function decodeEnvelope(stored: string): Envelope {
  const newline = stored.indexOf('\n');
  const meta = JSON.parse(newline === -1 ? stored : stored.slice(0, newline)) as StoredMeta;
  const envelope = withoutBody<string>(meta);
  if (meta.b === 1) envelope.body = stored.slice(newline + 1);
  return envelope;
}

/** The byte that ends a stored line: the record line, the envelope's metadata, a handoff entry's head. */
export const NEWLINE = 0x0a;

/**
 * The same from the stored bytes, as a claim reads them: the body stays bytes and is sent as
 * stored, never decoded to text and encoded again. It is copied out of `stored`, which may be a
 * view into a whole claim's reply, so that a slow delivery does not keep that reply alive.
 * (A body held as text was also the largest thing a dispatcher's young garbage collections
 * copied and promoted: docs/performance-log.md.)
 */
export function decodeEnvelopeBytes(stored: Buffer, start = 0): Envelope<Buffer> {
  const newline = stored.indexOf(NEWLINE, start);
  const meta = JSON.parse(stored.toString('utf8', start, newline === -1 ? stored.length : newline)) as StoredMeta;
  const envelope = withoutBody<Buffer>(meta);
  if (meta.b === 1) envelope.body = Buffer.from(stored.subarray(newline + 1));
  return envelope;
}

/**
 * A leased delivery from its lease and the stored bytes that hold its envelope from `start`
 * on (a handoff entry, or a stored field in a claim's reply: record line first). The decoded
 * envelope is a fresh object: the lease fields go onto it, not into a copy.
 */
export function leasedDelivery(stored: Buffer, lease: Omit<ClaimedDelivery, keyof Envelope>, start = 0): ClaimedDelivery {
  return Object.assign(decodeEnvelopeBytes(stored, start), lease);
}

function withoutBody<Body>(meta: StoredMeta): Envelope<Body> {
  const envelope: Envelope<Body> = { tenant: meta.t, url: meta.u, method: meta.m, headers: meta.h };
  if (meta.to !== undefined) envelope.timeoutMs = meta.to;
  if (meta.k !== undefined) envelope.orderingKey = meta.k;
  return envelope;
}
