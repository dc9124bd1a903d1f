import type { EnqueueRequest } from '@ferry/store';

/** A 1 KiB JSON body, about the size of a typical webhook payload. */
export const PAYLOAD_1K = { event: 'order.created', data: { id: 'ord_1', note: 'x'.repeat(967) } };
export const BODY_1K = JSON.stringify(PAYLOAD_1K);

/** A ~100-byte body, where filling a million messages should take seconds, not minutes. */
export const PAYLOAD_100B = { event: 'order.created', data: { id: 'ord_1', note: 'x'.repeat(43) } };
export const BODY_100B = JSON.stringify(PAYLOAD_100B);

/** What a sender posts to `/v1/messages`, Ferry's or the BullMQ endpoint's: the same JSON for both. */
export interface PublishRequest {
  destination: string;
  body: unknown;
}

export function publishRequest(destination: string, payload: unknown = PAYLOAD_1K): PublishRequest {
  return { destination, body: payload };
}

/**
 * What Ferry's ingest stores for a publish request without options (5 retries by default), so a
 * fill through the Store holds the same messages as one through the API.
 */
export function enqueueRequest(url: string, body: string, notBefore?: number): EnqueueRequest {
  const request: EnqueueRequest = {
    tenant: 'default',
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    maxAttempts: 6,
  };
  if (notBefore !== undefined) request.notBefore = notBefore;
  return request;
}
