import type { ServerResponse } from 'node:http';
import type { RecordFilter, SinkRecord } from './record-store';
import type { SinkStatsView } from './sink-stats';

export const CONTROL_PREFIX = '/_sink';

/** Records a listing answers when it names no limit, and the most it may name. */
export const LIST_DEFAULT_LIMIT = 100;
export const LIST_MAX_LIMIT = 10_000;

/** What the control API may see and do; the server implements it. */
export interface SinkControl {
  list(filter: RecordFilter): SinkRecord[];
  stats(): SinkStatsView;
  /** Drops records, counters and per-message attempt counts. */
  clear(): void;
}

export function isControlPath(pathname: string): boolean {
  return pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`);
}

/**
 * `GET /_sink/requests[?messageId=&since=&limit=]`, `DELETE /_sink/requests`, `GET /_sink/stats`,
 * `GET /_sink/clock` (the clock `atUs` is read with, so a client can measure the offset to its own).
 * These requests are neither recorded nor counted, so polling does not disturb what is measured.
 */
export function handleControl(
  control: SinkControl,
  method: string,
  pathname: string,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  const route = pathname.slice(CONTROL_PREFIX.length);
  if (route === '/requests') {
    if (method === 'GET') return listRequests(control, query, res);
    if (method === 'DELETE') {
      control.clear();
      res.writeHead(204).end();
      return;
    }
    return sendJson(res, 405, { error: 'use GET or DELETE' }, { allow: 'GET, DELETE' });
  }
  if (route === '/stats') {
    if (method === 'GET') return sendJson(res, 200, control.stats());
    return sendJson(res, 405, { error: 'use GET' }, { allow: 'GET' });
  }
  if (route === '/clock') {
    if (method === 'GET') return sendJson(res, 200, { atUs: Math.round((performance.timeOrigin + performance.now()) * 1000) });
    return sendJson(res, 405, { error: 'use GET' }, { allow: 'GET' });
  }
  sendJson(res, 404, { error: 'control routes: /_sink/requests, /_sink/stats, /_sink/clock' });
}

function listRequests(control: SinkControl, query: URLSearchParams, res: ServerResponse): void {
  const filter: RecordFilter = {};
  const messageId = query.get('messageId');
  if (messageId !== null) filter.messageId = messageId;
  const since = query.get('since');
  if (since !== null) {
    if (!/^\d{1,15}$/.test(since)) return sendJson(res, 400, { error: 'since must be a record seq' });
    filter.since = Number(since);
  }
  const limit = query.get('limit');
  if (limit !== null && !(/^\d{1,6}$/.test(limit) && Number(limit) >= 1 && Number(limit) <= LIST_MAX_LIMIT)) {
    return sendJson(res, 400, { error: `limit must be a whole number from 1 to ${LIST_MAX_LIMIT}` });
  }
  filter.limit = limit === null ? LIST_DEFAULT_LIMIT : Number(limit);
  sendJson(res, 200, control.list(filter));
}

/**
 * A control request that failed while answering (a listing too large to write as one string,
 * say): a 500 that says why when nothing has been sent yet, else the connection is cut.
 */
export function failControl(res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const reason = err instanceof Error ? err.message : String(err);
  sendJson(res, 500, { error: `could not answer: ${reason}; for listings, ask for fewer records with limit` });
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
