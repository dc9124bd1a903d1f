import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, type ErrorCode, type ErrorEnvelope } from '@ferry/contracts';
import { newRequestId, type Logger } from '@ferry/runtime';
import type { ErrorRequestHandler } from 'express';
import { ReplyError } from 'ioredis';
import { ZodError } from 'zod';
import { isPublishRoute, routeLabel, type IngestMetrics, type RouteLabel } from '../metrics';
import { endedByProtocolRefusal } from '../protocol-refusals';
import { sendJson } from '../send-json';

const MAX_DETAILS = 50;
const MAX_MESSAGE_LENGTH = 300;
/**
 * The Retry-After of the answers that say "not now": backpressure lifts as soon as the backlog
 * or memory reading is refreshed (within a second); an unreachable store is retried by the
 * ingest all along, but an outage rarely ends within a second.
 */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = { RATE_LIMITED: 1, SERVICE_UNAVAILABLE: 5 };

/**
 * The one place an error becomes an answer: every refusal and failure leaves as the error
 * envelope with the request id, its status following from the code alone.
 */
export function errorHandler(metrics: IngestMetrics): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const requestId = req.requestId ?? newRequestId();
    answerError(err, res, { requestId, log: () => req.log, method: req.method, route: routeLabel(req.originalUrl), metrics });
  };
}

export interface ErrorContext {
  requestId: string;
  /** The request's logger, asked for only when there is something to log. */
  log: () => Logger;
  method: string | undefined;
  route: RouteLabel;
  metrics: IngestMetrics;
}

/** Logs the error, counts a refused publish, and answers with the error envelope. */
export function answerError(err: unknown, res: ServerResponse, { requestId, log, method, route, metrics }: ErrorContext): void {
  const req = res.req as IncomingMessage | undefined;
  if (isBodyCutShort(err) || (req?.complete === false && endedByProtocolRefusal(req.socket))) {
    // The body reading broke off: the client went away mid-body, or a refusal of the
    // connection's framing or a timeout ended it, answered and logged where it was made
    // (protocol-refusals.ts). No one is left to answer, and nothing more was refused.
    log().debug({ method, route }, 'request body cut short');
    return;
  }
  const error = toApiError(err);
  if (error.status < 500) {
    log().info({ code: error.code, status: error.status, method, route }, 'request refused');
  } else if (err instanceof ApiError || isRedisUnreachable(err)) {
    // A failure Ferry recognised (Redis unreachable or not answering, a name lookup failing):
    // its cause is logged where it was found (the connection's own lines), once, not with a
    // stack trace on every request it fails.
    const reason = err instanceof ApiError ? error.message : `${error.message} (${(err as Error).message})`;
    log().warn({ code: error.code, status: error.status, method, route, reason }, 'request failed');
  } else {
    log().error({ err, code: error.code, status: error.status, method, route }, 'request failed');
  }
  if (method === 'POST' && isPublishRoute(route)) metrics.rejected.inc({ code: error.code });

  const body: ErrorEnvelope = { error: { code: error.code, message: error.message, requestId } };
  if (error.details !== undefined) body.error.details = error.details;
  const retryAfter = RETRY_AFTER_SECONDS[error.code];
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  res.setHeader('Cache-Control', 'no-store');
  sendJson(res, error.status, body);
}

/** Expected refusals keep their code; anything unrecognised is INTERNAL (and logged in full). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return validationError(err);
  if (isRedisOutOfMemory(err)) return new ApiError('RATE_LIMITED', 'The message store is full; retry once queued messages are delivered');
  if (isRedisFailure(err)) return new ApiError('SERVICE_UNAVAILABLE', 'The message store is unavailable; retry later');
  return fromHttpError(err) ?? new ApiError('INTERNAL', 'Internal error; quote the request id when reporting it');
}

/** Turns a zod error into VALIDATION_FAILED with `details` = `[{ path, message }]` (capped). */
export function validationError(err: ZodError): ApiError {
  const details = err.issues.slice(0, MAX_DETAILS).map((issue) => ({
    path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
    message: shorten(issue.message),
  }));
  const first = details[0];
  const where = first !== undefined && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more)` : '';
  return new ApiError('VALIDATION_FAILED', `Invalid request: ${where}${first?.message ?? 'invalid input'}${more}`, details);
}

/** Redis at its `maxmemory` refuses writes; that passes as messages are delivered, unlike an outage. */
export function isRedisOutOfMemory(err: unknown): boolean {
  return err instanceof Error && err instanceof ReplyError && err.message.startsWith('OOM ');
}

/** Connection loss, the retry cap, no reply in time, and error replies (READONLY, LOADING …) all mean "not now". */
export function isRedisFailure(err: unknown): boolean {
  return err instanceof ReplyError || isRedisUnreachable(err);
}

/** The connection lost, the retry cap reached, or no reply in time: Redis not there, rather than a refusal. */
function isRedisUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    err.message === 'Connection is closed.' ||
    err.message === 'Command timed out' ||
    err.message.startsWith("Stream isn't writeable")
  );
}

/** The body parser's error for a request whose connection closed before its body ended. */
function isBodyCutShort(err: unknown): boolean {
  return err instanceof Error && (err as HttpError).type === 'request.aborted';
}

interface HttpError extends Error {
  status?: unknown;
  type?: unknown;
  limit?: unknown;
}

/** Errors raised by the body parser and the router (http-errors with a status and a `type`). */
function fromHttpError(err: unknown): ApiError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { status, type, limit } = err as HttpError;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  switch (type) {
    case 'entity.parse.failed':
      return new ApiError('MALFORMED_JSON', `The body is not valid JSON: ${shorten(err.message)}`);
    case 'entity.too.large':
      return new ApiError('PAYLOAD_TOO_LARGE', `The request body is larger than the ${String(limit)} bytes accepted here`);
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', shorten(err.message));
  }
  if (err instanceof URIError) return new ApiError('VALIDATION_FAILED', 'The request path is not valid percent-encoding');
  return new ApiError('MALFORMED_JSON', `The request body could not be read: ${shorten(err.message)}`);
}

function shorten(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : text;
}
