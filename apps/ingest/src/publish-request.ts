import { ApiError, type PublishMessage } from '@ferry/contracts';
import type { EnqueueRequest } from '@ferry/store';
import type { BodySource } from './body-source';
import type { FieldPath } from './destination-check';

/** Tenants come later; until then every message belongs to this one. */
export const TENANT = 'default';

// JSON.stringify recurses; a body of a million nested arrays fits in 1 MiB and would overflow the stack.
const MAX_BODY_DEPTH = 100;

export interface PublishPolicy {
  defaultRetries: number;
  maxBodyBytes: number;
  maxDelayMs: number;
}

/** Where a message came from, beyond what it says. */
export interface MessageContext {
  /** Where the message sits in the request (`[3]` in a batch), so refusals name the field to fix. */
  at?: FieldPath;
  now?: number;
  /** Its body as the sender wrote it (body-source.ts); without it, the parsed body is serialised. */
  bodySource?: BodySource | undefined;
}

/** Turns a validated publish body into what the store keeps. */
export function toEnqueueRequest(message: PublishMessage, policy: PublishPolicy, context: MessageContext = {}): EnqueueRequest {
  const { at = [], now = Date.now(), bodySource } = context;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) headers[name.toLowerCase()] = value;

  const request: EnqueueRequest = {
    tenant: TENANT,
    url: message.destination,
    method: message.method ?? 'POST',
    headers,
    maxAttempts: (message.retries ?? policy.defaultRetries) + 1,
  };
  if (message.body !== undefined) request.body = bodyText(message.body, bodySource, headers, policy.maxBodyBytes, [...at, 'body']);
  if (message.timeout !== undefined) request.timeoutMs = message.timeout;
  if (message.orderingKey !== undefined) request.orderingKey = message.orderingKey;
  if (message.delay !== undefined && message.delay > 0) request.delayMs = message.delay;
  if (message.notBefore !== undefined) {
    // The schema bounds `delay`; an instant needs the same bound, or notBefore: 9e15 parks a message for ever.
    if (!Number.isFinite(message.notBefore) || message.notBefore - now > policy.maxDelayMs) {
      throw invalid([...at, 'notBefore'], `must be at most ${policy.maxDelayMs} ms from now`);
    }
    request.notBefore = message.notBefore;
  }
  return request;
}

/**
 * A string is sent as it is (text/plain unless the sender said otherwise); any other JSON value
 * is sent as the sender wrote it, or serialised when its text is not at hand (application/json
 * unless the sender said otherwise). Mutates `headers`.
 */
function bodyText(body: unknown, source: BodySource | undefined, headers: Record<string, string>, maxBytes: number, path: FieldPath): string {
  let text: string;
  if (typeof body === 'string') {
    text = body;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else {
    if (source ? source.depth > MAX_BODY_DEPTH : nestedDeeperThan(body, MAX_BODY_DEPTH)) {
      throw invalid(path, `must not nest deeper than ${MAX_BODY_DEPTH} levels`);
    }
    text = source ? source.text : JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  // A UTF-16 unit is at most 3 bytes of UTF-8: most bodies are clearly within the limit uncounted.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    const message = `is ${bytes} bytes; at most ${maxBytes} are accepted`;
    throw new ApiError('PAYLOAD_TOO_LARGE', `The message body ${message}`, [{ path, message }]);
  }
  return text;
}

/** Iterative on purpose: the point is to avoid recursing into a hostile body. */
function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

function invalid(path: FieldPath, message: string): ApiError {
  return new ApiError('VALIDATION_FAILED', `Invalid request: ${path.join('.')}: ${message}`, [{ path, message }]);
}
