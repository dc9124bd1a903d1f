import { newRequestId, type Logger } from '@ferry/runtime';
import type { RequestHandler } from 'express';

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

/** Names every request, so a sender's error envelope can be matched to the service's log lines. */
export function requestId(log: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : newRequestId();
    req.requestId = id;
    req.log = log.child({ requestId: id });
    res.setHeader('X-Request-Id', id);
    next();
  };
}
