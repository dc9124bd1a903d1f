import type { IncomingMessage, ServerResponse } from 'node:http';
import { newRequestId, type Logger } from '@ferry/runtime';
import type { Express, Request, RequestHandler } from 'express';

declare global {
  namespace Express {
    interface Request {
      /** The caller's `X-Request-Id` when it is sane, else a generated `req_<16 hex>`. */
      requestId: string;
      /** Child logger carrying `requestId`. */
      log: Logger;
    }
  }
}

// Echoed into headers and logs, so only short plain tokens are taken from the caller.
const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Names every request, so a sender's error envelope can be matched to the service's log lines.
 * `req.log` is made on first use: most requests never log, and a child logger per request was
 * a measurable share of a busy ingest's work.
 */
export function requestId(app: Express, log: Logger): RequestHandler {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request & { childLog?: Logger }): Logger {
      return (this.childLog ??= log.child({ requestId: this.requestId }));
    },
  });
  return (req, res, next) => {
    req.requestId = assignRequestId(req, res);
    next();
  };
}

/** The request's id (the caller's when it is sane), also set as the `X-Request-Id` response header. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : newRequestId();
  res.setHeader('X-Request-Id', id);
  return id;
}
