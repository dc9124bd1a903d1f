import type { Dispatcher } from 'undici';
import { retryAfterMs } from './backoff';
import type { AttemptResult, DeliverOptions } from './deliver';
import { DestinationNotAllowedError } from './http-agent';
import { DeadlinePassed, type RunningRequest } from './running-requests';

type ResponseHeaders = Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2];

/**
 * Follows one request through undici's handler calls and settles its AttemptResult once:
 * answered (any status), cut short after enough of a huge body or at its deadline, or failed
 * (timeout, network error, refused address, given up at shutdown). One object per attempt, its
 * methods on the prototype: the hot path allocates no closures for it.
 *
 * undici's timers bound the wait for the headers and each pause in the body, not the whole
 * body: a receiver that answers and then sends its body a byte at a time would hold the attempt
 * for hours. So the attempt also has a deadline, its timeout after it started, which the
 * registry of running requests enforces (RunningRequests.abortOverdue).
 */
export class AttemptHandler implements Dispatcher.DispatchHandler, RunningRequest {
  private readonly started = performance.now();
  readonly deadline: number;
  private readonly excerpt: ExcerptBuffer;
  private statusCode = 0;
  private retryAfter: number | undefined;
  private received = 0;
  private controller: Dispatcher.DispatchController | undefined;
  /** Set once the AttemptResult is out: whatever undici reports later changes nothing. */
  private settled = false;
  /** Why the attempt ended before undici started the request (it was still connecting). */
  private endedBeforeStart: Error | undefined;
  runningSlot = -1;

  constructor(
    private readonly startedAt: number,
    private readonly options: DeliverOptions,
    private readonly resolve: (result: AttemptResult) => void,
  ) {
    this.excerpt = new ExcerptBuffer(options.excerptBytes);
    this.deadline = this.started + options.timeoutMs;
  }

  /** True once the attempt's result is out. */
  get isSettled(): boolean {
    return this.settled;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Over before the connection was made: the request goes no further.
    if (this.endedBeforeStart) controller.abort(this.endedBeforeStart);
  }

  /**
   * Ends the attempt with `reason`. undici offers no way to abort a request still waiting for
   * its connection, so such an attempt settles at once and its request is aborted the moment
   * undici starts it.
   */
  abort(reason: Error): void {
    if (this.controller) {
      this.controller.abort(reason);
      return;
    }
    this.endedBeforeStart = reason;
    this.fail(reason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders): void {
    // An interim answer (103 Early Hints) is not the receiver's answer: the final one follows.
    if (statusCode < 200) return;
    this.statusCode = statusCode;
    this.retryAfter = retryAfterMs(headerValue(headers['retry-after']));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.excerpt.add(chunk);
    this.received += chunk.length;
    // The answer is known; a huge body is not worth reading to the end (the connection is
    // dropped instead of reused).
    if (this.received > MAX_BODY_READ) controller.abort(new ResponseCutShort());
  }

  onResponseEnd(): void {
    this.finish(this.answered());
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }

  private fail(err: Error): void {
    // Once the status has arrived it is the receiver's answer, however the body ends: cut off
    // by a deadline, a shutdown, a stalled or closed connection. Sending a 2xx again would
    // deliver the message twice.
    const answered = this.statusCode !== 0;
    this.finish(answered ? this.answered() : { ...describeFailure(err, this.options.timeoutMs), startedAt: this.startedAt, durationMs: 0 });
  }

  private answered(): AttemptResult {
    const result: AttemptResult = {
      kind: this.statusCode >= 200 && this.statusCode < 300 ? 'success' : 'http_error',
      startedAt: this.startedAt,
      durationMs: 0,
      statusCode: this.statusCode,
    };
    const text = this.excerpt.text();
    if (text) result.responseExcerpt = text;
    if (this.retryAfter !== undefined) result.retryAfterMs = this.retryAfter;
    return result;
  }

  private finish(result: AttemptResult): void {
    if (this.settled) return;
    this.settled = true;
    this.options.running?.delete(this);
    result.durationMs = Math.round(performance.now() - this.started);
    this.resolve(result);
  }
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
  if (err instanceof DeadlinePassed || (err instanceof Error && TIMEOUT_CODES.has(String((err as { code?: unknown }).code)))) {
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
