import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@ferry/contracts';
import express, { type RequestHandler } from 'express';
import { cutAfterLinger } from '../answer-linger';

const JSON_TYPES = ['application/json', 'application/*+json'];
// The charsets JSON may be sent in (RFC 8259 §8.1, and RFC 7159's UTF-16 and UTF-32); the
// body-parser would decode any `utf-` charset its decoder knows, UTF-7 included.
const JSON_CHARSETS = new Set(['utf-8', 'utf-16', 'utf-16le', 'utf-16be', 'utf-32', 'utf-32le', 'utf-32be']);
const CHARSET_PARAMETER = /;\s*charset\s*=\s*"?([^";\s]*)/i;

// The bytes of each UTF-8 JSON body read, for the message bodies cut out of it (body-source.ts).
const rawBodies = new WeakMap<IncomingMessage, Buffer>();
// Requests whose body was empty: no bytes, or a byte order mark alone (UTF-8, -16 or -32).
const emptyBodies = new WeakSet<IncomingMessage>();
const BYTE_ORDER_MARKS = [[0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0xff, 0xfe, 0, 0], [0, 0, 0xfe, 0xff]].map((mark) => Buffer.from(mark));

/** The bytes a JSON body was parsed from, when they were UTF-8 (nearly always); undefined otherwise. */
export function rawBodyOf(req: IncomingMessage): Buffer | undefined {
  return rawBodies.get(req);
}

/**
 * The body-parser, keeping the bytes of a UTF-8 body beside what it parsed. Strict mode is off:
 * any JSON value parses, and the schema names what the top level should be (an object, or an
 * array for a batch) instead of calling a bare string invalid JSON. An empty body leaves
 * `req.body` undefined, as no body does, where the body-parser makes it `{}`.
 */
type BodyParser = ReturnType<typeof express.json>;

function jsonParser(limitBytes: number): BodyParser {
  const parse = express.json({
    limit: limitBytes,
    strict: false,
    type: () => true,
    verify: (req, _res, buf, encoding) => {
      if (encoding === 'utf-8') rawBodies.set(req, buf);
      if (buf.length === 0 || BYTE_ORDER_MARKS.some((mark) => mark.equals(buf))) emptyBodies.add(req);
    },
  });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err === undefined && emptyBodies.has(req)) (req as IncomingMessage & { body?: unknown }).body = undefined;
      next(err);
    });
  };
}

/**
 * Refusals that need no byte of the body: a charset JSON is not sent in (an empty one is taken
 * as none), and a declared length over the limit. The latter is answered at once, where the
 * parser would read the whole body first; node reads and drops the rest of the body after the
 * answer, for a short while at most (answer-linger.ts).
 */
function refuseBeforeReading(req: IncomingMessage, res: ServerResponse, limitBytes: number): void {
  const charset = CHARSET_PARAMETER.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== '' && !JSON_CHARSETS.has(charset)) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `Send JSON in UTF-8, UTF-16 or UTF-32, not "${charset.slice(0, 40)}"`);
  }
  if (Number(req.headers['content-length']) > limitBytes) {
    res.once('finish', () => {
      if (!req.complete) cutAfterLinger(req.socket, req);
    });
    throw new ApiError('PAYLOAD_TOO_LARGE', `The request body is larger than the ${limitBytes} bytes accepted here`);
  }
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
    refuseBeforeReading(req, res, limitBytes);
    parse(req, res, next);
  };
}

/** Reads and parses a request body already known to be JSON; the same parser and errors as `jsonBody`. */
export type JsonBodyReader = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

export function jsonBodyReader(limitBytes: number): JsonBodyReader {
  const parse = jsonParser(limitBytes);
  return (req, res) =>
    new Promise((resolve, reject) => {
      refuseBeforeReading(req, res, limitBytes);
      parse(req, res, (err?: unknown) => {
        if (err === undefined) resolve((req as IncomingMessage & { body?: unknown }).body);
        else reject(err);
      });
    });
}
