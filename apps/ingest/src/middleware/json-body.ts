import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@ferry/contracts';
import express, { type RequestHandler } from 'express';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Parses a JSON body of at most `limitBytes` into `req.body`. The body-parser's strict mode stays
 * on: the top level must be an object or an array (the schema then says which), never a bare
 * string or number. Anything but a JSON content type is refused with 415 before reading a byte.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, type: () => true });
  return (req, res, next) => {
    // `req.is` answers null for a request without a body; the schema reports that one.
    if (req.headers['content-type'] === undefined || req.is(JSON_TYPES) === false) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON with Content-Type: application/json');
    }
    parse(req, res, next);
  };
}

/** Reads and parses a request body already known to be JSON; the same parser and errors as `jsonBody`. */
export type JsonBodyReader = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

export function jsonBodyReader(limitBytes: number): JsonBodyReader {
  const parse = express.json({ limit: limitBytes, type: () => true });
  return (req, res) =>
    new Promise((resolve, reject) => {
      parse(req, res, (err?: unknown) => {
        if (err === undefined) resolve((req as IncomingMessage & { body?: unknown }).body);
        else reject(err);
      });
    });
}
