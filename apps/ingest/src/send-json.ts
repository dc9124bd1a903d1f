import type { ServerResponse } from 'node:http';

/**
 * Writes a JSON answer as express's `res.json` does (same headers, no ETag), for the express
 * routes and the publish fast path alike. Node leaves the body out when answering a HEAD.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
