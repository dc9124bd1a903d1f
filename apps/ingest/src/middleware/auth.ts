import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@ferry/contracts';
import type { RequestHandler } from 'express';

const BEARER = /^Bearer +(\S+) *$/i;

/** Throws UNAUTHORIZED (with a `WWW-Authenticate` header on `res`) unless the request carries the token. */
export type TokenCheck = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Requires `Authorization: Bearer <token>` when a token is configured. Both sides are hashed
 * before the comparison so it takes the same time whatever the length or content of a guess.
 */
export function tokenCheck(token: string | undefined): TokenCheck {
  if (token === undefined) return () => {};
  const expected = digest(token);
  return (req, res) => {
    const header = req.headers.authorization;
    const given = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    res.setHeader('WWW-Authenticate', 'Bearer realm="ferry"');
    const message =
      header === undefined || given === undefined ? 'Send the API token as Authorization: Bearer <token>' : 'The API token is not valid';
    throw new ApiError('UNAUTHORIZED', message);
  };
}

/** `tokenCheck` as middleware. */
export function requireToken(token: string | undefined): RequestHandler {
  const check = tokenCheck(token);
  return (req, res, next) => {
    check(req, res);
    next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
