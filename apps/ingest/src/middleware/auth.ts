import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '@ferry/contracts';
import type { RequestHandler } from 'express';

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Requires `Authorization: Bearer <token>` when a token is configured. Both sides are hashed
 * before the comparison so it takes the same time whatever the length or content of a guess.
 */
export function requireToken(token: string | undefined): RequestHandler {
  if (token === undefined) return (_req, _res, next) => next();
  const expected = digest(token);
  return (req, res, next) => {
    const header = req.headers.authorization;
    const given = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (given !== undefined && timingSafeEqual(digest(given), expected)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="ferry"');
    throw new ApiError(
      'UNAUTHORIZED',
      header === undefined ? 'Send the API token as Authorization: Bearer <token>' : 'The API token is not valid',
    );
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
