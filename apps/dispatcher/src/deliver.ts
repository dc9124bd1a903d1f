import { isIP } from 'node:net';
import type { ClaimedDelivery } from '@ferry/store';
import { request, type Dispatcher } from 'undici';
import { retryAfterMs } from './backoff';
import { DestinationNotAllowedError, type AddressPolicy } from './http-agent';

/** How one attempt ended; a bounded set, used as a metric label. */
export type AttemptKind = 'success' | 'http_error' | 'timeout' | 'network_error' | 'refused';

export interface AttemptResult {
  kind: AttemptKind;
  startedAt: number;
  durationMs: number;
  statusCode?: number;
  error?: string;
  responseExcerpt?: string;
  /** From a Retry-After header on the response, in ms. */
  retryAfterMs?: number;
}

export interface DeliverOptions {
  agent: Dispatcher;
  policy: AddressPolicy;
  timeoutMs: number;
  excerptBytes: number;
  signal?: AbortSignal;
}

const USER_AGENT = 'Ferry/0.1';

/**
 * Makes one HTTP attempt. Never throws: every way an attempt can end is an AttemptResult.
 * Receivers get a stable `Ferry-Message-Id` to de-duplicate on (delivery is at-least-once)
 * and `Ferry-Attempt`, counting from 1.
 */
export async function deliver(delivery: ClaimedDelivery, options: DeliverOptions): Promise<AttemptResult> {
  const startedAt = Date.now();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);

  const host = new URL(delivery.url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !options.policy(host)) {
    return { kind: 'refused', startedAt, durationMs: 0, error: `${host} is a private or reserved address` };
  }

  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout.signal, options.signal]) : timeout.signal;
  try {
    const response = await request(delivery.url, {
      dispatcher: options.agent,
      method: delivery.method,
      headers: {
        'user-agent': USER_AGENT,
        ...delivery.headers,
        'ferry-message-id': delivery.id,
        'ferry-attempt': String(delivery.attempt),
      },
      body: delivery.body,
      signal,
    });
    const excerpt = await readExcerpt(response.body, options.excerptBytes);
    const result: AttemptResult = {
      kind: response.statusCode >= 200 && response.statusCode < 300 ? 'success' : 'http_error',
      startedAt,
      durationMs: elapsed(),
      statusCode: response.statusCode,
    };
    if (excerpt) result.responseExcerpt = excerpt;
    const retryAfter = retryAfterMs(headerValue(response.headers['retry-after']));
    if (retryAfter !== undefined) result.retryAfterMs = retryAfter;
    return result;
  } catch (err) {
    return { ...describeFailure(err, timeout.signal.aborted, options.timeoutMs), startedAt, durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

/** The first `limit` bytes of the response as text; the rest is drained so the connection is reused. */
async function readExcerpt(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    if (size < limit) chunks.push(buffer.subarray(0, limit - size));
    size += buffer.length;
    if (size >= limit) break;
  }
  if (size >= limit) await body.dump({ limit: 256 * 1024 }).catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8');
}

function describeFailure(err: unknown, timedOut: boolean, timeoutMs: number): Pick<AttemptResult, 'kind' | 'error'> {
  if (timedOut) return { kind: 'timeout', error: `no response within ${timeoutMs} ms` };
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (cause instanceof DestinationNotAllowedError || (err instanceof Error && hasCode(err, 'EDESTINATION_NOT_ALLOWED'))) {
    return { kind: 'refused', error: (cause as Error).message };
  }
  const code = cause instanceof Error && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  return { kind: 'network_error', error: code && !message.includes(code) ? `${code}: ${message}` : message };
}

function hasCode(err: Error, code: string): boolean {
  return (err as { code?: unknown }).code === code;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
