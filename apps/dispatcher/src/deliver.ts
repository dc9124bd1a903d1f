import { isIP } from 'node:net';
import { boundedMemo } from '@ferry/runtime';
import type { ClaimedDelivery } from '@ferry/store';
import type { Dispatcher } from 'undici';
import { AttemptHandler } from './attempt-handler';
import type { AddressPolicy } from './http-agent';
import type { RunningRequests } from './running-requests';

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
  /**
   * Where the attempt registers until it ends, so that its deadline holds (checked by the
   * owner: RunningRequests.abortOverdue) and shutdown can give it up. Without it only undici's
   * own timers bound the attempt.
   */
  running?: RunningRequests;
}

const USER_AGENT = 'Ferry/0.1';

/**
 * Makes one HTTP attempt. Never throws: every way an attempt can end is an AttemptResult.
 * Receivers get a stable `Ferry-Message-Id` to de-duplicate on (delivery is at-least-once)
 * and `Ferry-Attempt`, counting from 1.
 *
 * Uses undici's dispatch() with a handler rather than request(): no stream or promise per
 * response, which is a good part of the client's cost per delivery (docs/performance.md).
 * undici's own timers bound the wait for the headers and each pause in the body; the whole
 * attempt, connecting included, is bounded by its deadline (AttemptHandler).
 */
export function deliver(delivery: ClaimedDelivery, options: DeliverOptions): Promise<AttemptResult> {
  const startedAt = Date.now();
  const { origin, path, host } = targetOf(delivery.url);
  if (isIP(host) !== 0 && !options.policy(host)) {
    return Promise.resolve({ kind: 'refused', startedAt, durationMs: 0, error: `${host} is a private or reserved address` });
  }

  return new Promise((resolve) => {
    const handler = new AttemptHandler(startedAt, options, resolve);
    // Registered before dispatching, so that its deadline and a shutdown also reach an attempt
    // still waiting for its connection; one given up already settles here and is not sent.
    options.running?.add(handler);
    if (handler.isSettled) return;
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
      handler,
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
