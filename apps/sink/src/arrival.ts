import type { IncomingHttpHeaders } from 'node:http';
import type { SinkRecord } from './record-store';

/**
 * What the sink keeps of a request as it arrives: the parts as node handed them over. Turning
 * them into a SinkRecord (header object, body text, clock strings) waits until someone lists
 * the records, so a throughput run that only counts arrivals does not pay for it on every
 * request.
 */
export interface Arrival {
  seq: number;
  at: number;
  atNs: bigint;
  atUs: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The first bytes of the body, up to the recording limit. */
  body: Buffer;
  bodyBytes: number;
  messageId: string | null;
  /** Status the sink answered; null until it answers. */
  status: number | null;
}

export function toSinkRecord(arrival: Arrival): SinkRecord {
  return {
    seq: arrival.seq,
    at: arrival.at,
    atNs: arrival.atNs.toString(),
    atUs: arrival.atUs,
    method: arrival.method,
    path: arrival.path,
    headers: flattenHeaders(arrival.headers),
    body: arrival.body.toString('utf8'),
    bodyBytes: arrival.bodyBytes,
    messageId: arrival.messageId,
    attempt: parseAttempt(headerText(arrival.headers['ferry-attempt'])),
    status: arrival.status,
  };
}

export function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseAttempt(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const attempt = Number(value);
  return Number.isFinite(attempt) ? attempt : null;
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = headerText(value);
    if (text !== undefined) out[name] = text;
  }
  return out;
}
