import { ApiError } from '@ferry/contracts';
import type { RequestHandler } from 'express';

/** Fails fast while Redis is unreachable instead of queueing the command until it is back. */
export function requireStore(isAvailable: () => boolean): RequestHandler {
  return (_req, _res, next) => {
    assertStoreAvailable(isAvailable);
    next();
  };
}

/** Throws SERVICE_UNAVAILABLE while Redis is unreachable. */
export function assertStoreAvailable(isAvailable: () => boolean): void {
  if (!isAvailable()) throw new ApiError('SERVICE_UNAVAILABLE', 'The message store is unavailable; retry later');
}
