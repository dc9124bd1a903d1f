import { isIP } from 'node:net';
import { boundedMemo } from '@ferry/runtime';
import type { ClaimedDelivery } from '@ferry/store';
import type { Dispatcher } from 'undici';
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
 *
 * Uses undici's dispatch() with a handler rather than request(): no stream or promise per
 * response, which is a good part of the client's cost per delivery (docs/performance.md).
 * undici's own timers bound the wait for the headers and then for the body.
 */
export function deliver(delivery: ClaimedDelivery, options: DeliverOptions): Promise<AttemptResult> {
  const startedAt = Date.now();
  const started = performance.now();
  const { origin, path, host } = targetOf(delivery.url);
  if (isIP(host) !== 0 && !options.policy(host)) {
    return Promise.resolve({ kind: 'refused', startedAt, durationMs: 0, error: `${host} is a private or reserved address` });
  }

  return new Promise((resolve) => {
    const excerpt = new ExcerptBuffer(options.excerptBytes);
    let statusCode = 0;
    let retryAfter: number | undefined;
    let received = 0;
    let stop: (() => void) | undefined;
    const finish = (result: AttemptResult) => {
      if (stop) options.signal?.removeEventListener('abort', stop);
      result.durationMs = Math.round(performance.now() - started);
      resolve(result);
    };
    const answered = (): AttemptResult => {
      const result: AttemptResult = {
        kind: statusCode >= 200 && statusCode < 300 ? 'success' : 'http_error',
        startedAt,
        durationMs: 0,
        statusCode,
      };
      const text = excerpt.text();
      if (text) result.responseExcerpt = text;
      if (retryAfter !== undefined) result.retryAfterMs = retryAfter;
      return result;
    };

    options.agent.dispatch(
      {
        origin,
        path,
        method: delivery.method,
        headers: {
          'user-agent': USER_AGENT,
          ...delivery.headers,
          'ferry-message-id': delivery.id,
          'ferry-attempt': String(delivery.attempt),
        },
        body: delivery.body ?? null,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      {
        onRequestStart(controller) {
          const signal = options.signal;
          if (!signal) return;
          if (signal.aborted) return controller.abort(new Error('dispatcher shutting down'));
          stop = () => controller.abort(new Error('dispatcher shutting down'));
          signal.addEventListener('abort', stop, { once: true });
        },
        onResponseStart(_controller, status, headers) {
          statusCode = status;
          retryAfter = retryAfterMs(headerValue(headers['retry-after']));
        },
        onResponseData(controller, chunk) {
          excerpt.add(chunk);
          received += chunk.length;
          // The answer is known; a huge body is not worth reading to the end (the connection
          // is dropped instead of reused).
          if (received > MAX_BODY_READ) controller.abort(new ResponseCutShort());
        },
        onResponseEnd() {
          finish(answered());
        },
        onResponseError(_controller, err) {
          finish(err instanceof ResponseCutShort ? answered() : { ...describeFailure(err, options.timeoutMs), startedAt, durationMs: 0 });
        },
      },
    );
  });
}

/** Where a URL sends a request: parsed once per URL, as most deliveries go to a few. */
interface Target {
  origin: string;
  /** Path and query. */
  path: string;
  /** The host name, or the IP address without brackets. */
  host: string;
  /** Origin and path without the query, which often carries tokens: what logs may show. */
  loggable: string;
}

const targetOf = boundedMemo(1_000, (url): Target => {
  const parsed = new URL(url);
  return {
    origin: parsed.origin,
    path: parsed.pathname + parsed.search,
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    loggable: parsed.origin + parsed.pathname,
  };
});

/** A destination URL as logs may show it: its query (which often carries tokens) left out. */
export function loggableUrl(url: string): string {
  return targetOf(url).loggable;
}

/** Most of a response body read before the connection is dropped instead. */
const MAX_BODY_READ = 256 * 1024;

class ResponseCutShort extends Error {}

/** Keeps the first `limit` bytes of a response body; the rest is read and dropped. */
class ExcerptBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    if (this.size >= this.limit) return;
    this.chunks.push(chunk.length > this.limit - this.size ? chunk.subarray(0, this.limit - this.size) : chunk);
    this.size += chunk.length;
  }

  text(): string {
    return this.chunks.length === 0 ? '' : Buffer.concat(this.chunks).toString('utf8');
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function describeFailure(err: unknown, timeoutMs: number): Pick<AttemptResult, 'kind' | 'error'> {
  if (err instanceof Error && TIMEOUT_CODES.has(String((err as { code?: unknown }).code))) {
    return { kind: 'timeout', error: `no response within ${timeoutMs} ms` };
  }
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
