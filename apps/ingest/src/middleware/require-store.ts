import { ApiError } from '@ferry/contracts';
import type { RequestHandler } from 'express';

/** Fails fast while Redis is unreachable instead of queueing the command until it is back. */
export function requireStore(isAvailable: () => boolean): RequestHandler {
  return (_req, _res, next) => {
    if (!isAvailable()) throw new ApiError('SERVICE_UNAVAILABLE', 'The message store is unavailable; retry later');
    next();
  };
}
