import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@ferry/contracts';
import express, { type RequestHandler } from 'express';

const JSON_TYPES = ['application/json', 'application/*+json'];

// The bytes of each UTF-8 JSON body read, for the message bodies cut out of it (body-source.ts).
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/** The bytes a JSON body was parsed from, when they were UTF-8 (nearly always); undefined otherwise. */
export function rawBodyOf(req: IncomingMessage): Buffer | undefined {
  return rawBodies.get(req);
}

/**
 * The body-parser, keeping the bytes of a UTF-8 body beside what it parsed. Strict mode is off:
 * any JSON value parses, and the schema names what the top level should be (an object, or an
 * array for a batch) instead of calling a bare string invalid JSON.
 */
function jsonParser(limitBytes: number): ReturnType<typeof express.json> {
  return express.json({
    limit: limitBytes,
    strict: false,
    type: () => true,
    verify: (req, _res, buf, encoding) => {
      if (encoding === 'utf-8' || encoding === 'utf8') rawBodies.set(req, buf);
    },
  });
}

/**
 * Parses a JSON body of at most `limitBytes` into `req.body`. Anything but a JSON content type
 * is refused with 415 before reading a byte.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = jsonParser(limitBytes);
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
  const parse = jsonParser(limitBytes);
  return (req, res) =>
    new Promise((resolve, reject) => {
      parse(req, res, (err?: unknown) => {
        if (err === undefined) resolve((req as IncomingMessage & { body?: unknown }).body);
        else reject(err);
      });
    });
}
