import { ApiError } from '@ferry/contracts';
import type { RequestHandler } from 'express';

/** For a known path asked with a method it does not serve: 405 with the methods it does. */
export function methodNotAllowed(allow: readonly string[]): RequestHandler {
  const header = allow.join(', ');
  return (req, res) => {
    res.setHeader('Allow', header);
    throw new ApiError('METHOD_NOT_ALLOWED', `${req.method} is not supported here; use ${header}`);
  };
}

/** The last route: nothing matched. */
export const notFound: RequestHandler = (req) => {
  const path = req.path.length > 100 ? `${req.path.slice(0, 97)}...` : req.path;
  // An origin left unencoded brings its slashes into the path.
  const hint = req.path.startsWith('/v1/destinations/') ? ' (URL-encode the origin, e.g. https%3A%2F%2Fapi.example.com)' : '';
  throw new ApiError('NOT_FOUND', `No route for ${req.method} ${path}${hint}`);
};
