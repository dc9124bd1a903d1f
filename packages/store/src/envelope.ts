import type { HttpMethod } from '@ferry/contracts';

/**
 * What a delivery sends, fixed at publish time. Stored as one hash field: the metadata as
 * compact JSON, a newline, then the body verbatim — a body is never escaped into JSON, which
 * would inflate it (JSON.stringify escapes newlines, so the first one is the separator).
 */
export interface Envelope {
  tenant: string;
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string;
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
  const envelope: Envelope = { tenant: meta.t, url: meta.u, method: meta.m, headers: meta.h };
  if (meta.b === 1) envelope.body = stored.slice(newline + 1);
  if (meta.to !== undefined) envelope.timeoutMs = meta.to;
  if (meta.k !== undefined) envelope.orderingKey = meta.k;
  return envelope;
}
