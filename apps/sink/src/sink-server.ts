import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headerText } from './arrival';
import { AttemptCounter } from './attempt-counter';
import { failControl, handleControl, isControlPath } from './control-api';
import { parseMode, type Mode } from './modes';
import { readBody, type ReadBody } from './read-body';
import { RecordStore, type RecordFilter, type SinkRecord } from './record-store';
import { SinkStats, type SinkStatsView } from './sink-stats';

export interface SinkOptions {
  /** Ring-buffer size for records, also the number of message ids whose attempts are counted. */
  maxRecords: number;
  /** Most body bytes the records keep together; the oldest records go first. Unbounded when unset. */
  maxBodyBytes?: number;
}

const MAX_RETRY_AFTER_LENGTH = 256;

/** Statuses whose answers may not carry a body. */
const BODILESS_STATUS: ReadonlySet<number> = new Set([204, 205, 304]);

/**
 * A receiver that records every request and answers as its path asks (see modes.ts). Plain
 * node:http with no framework, because it is also the target of throughput benchmarks and must
 * cost as little as possible per request.
 */
export class Sink {
  private readonly server: http.Server;
  private readonly records: RecordStore;
  private readonly attempts: AttemptCounter;
  private readonly counters = new SinkStats();
  private closing: Promise<void> | undefined;

  constructor(options: SinkOptions) {
    this.records = new RecordStore(options.maxRecords, options.maxBodyBytes);
    this.attempts = new AttemptCounter(options.maxRecords);
    this.server = http.createServer((req, res) => this.onRequest(req, res));
  }

  /** Resolves with the bound port (useful with 0). Without a host, listens on every interface. */
  listen(port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting, then cuts open connections: hang and slow requests would otherwise hold it open. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  list(filter: RecordFilter = {}): SinkRecord[] {
    return this.records.list(filter);
  }

  stats(): SinkStatsView {
    return this.counters.view();
  }

  clear(): void {
    this.records.clear();
    this.attempts.clear();
    this.counters.clear();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt < 0 ? url : url.slice(0, queryAt);
    const query = queryAt < 0 ? NO_QUERY : new URLSearchParams(url.slice(queryAt + 1));

    if (isControlPath(pathname)) {
      readBody(req, 0)
        .then(() => handleControl(this, req.method ?? 'GET', pathname, query, res))
        .catch((err: unknown) => failControl(res, err));
      return;
    }

    const at = Date.now();
    const atNs = process.hrtime.bigint();
    const atUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
    this.counters.begin();
    // 'close' fires once whether the response finished or the client left, so inFlight balances.
    res.once('close', () => this.counters.end());
    // Whatever goes wrong with one request (client gone, a throw while answering) ends that
    // request only; an unhandled rejection would take the whole sink down.
    readBody(req)
      .then((body) => this.answer(req, res, { url, pathname, query, at, atNs, atUs, body }))
      .catch(() => res.destroy());
  }

  private answer(req: IncomingMessage, res: ServerResponse, seen: Seen): void {
    const messageId = headerText(req.headers['ferry-message-id']) ?? null;
    const arrival = this.records.add({
      at: seen.at,
      atNs: seen.atNs,
      atUs: seen.atUs,
      method: req.method ?? '',
      path: seen.url,
      headers: req.headers,
      body: seen.body.kept,
      bodyBytes: seen.body.bytes,
      messageId,
      status: null,
    });
    this.counters.recorded();
    const answered = (status: number): void => {
      arrival.status = status;
      this.counters.answered(status);
    };
    const send = (status: number, text: string, headers: Record<string, string> = {}): void => {
      if (res.destroyed) return;
      answered(status);
      if (BODILESS_STATUS.has(status)) {
        // 204 and 304 carry no body and no length; 205 says it has none (RFC 9110 §15.3.6).
        res.writeHead(status, status === 205 ? { ...headers, 'content-length': 0 } : headers);
        res.end();
        return;
      }
      // With its length known up front the answer goes out in one plain write, not chunked.
      res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    /** Sends the status and headers only: the body is the caller's to write. False once the client is gone. */
    const start = (status: number): boolean => {
      if (res.destroyed) return false;
      answered(status);
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      return true;
    };

    const parsed = parseMode(seen.pathname);
    if (!parsed.ok) return send(400, parsed.error);
    // Flaky counts attempts per message, or per path with ?scope=path (a destination that
    // fails its first n requests whatever they carry).
    const counterKey = seen.query.get('scope') === 'path' ? `path:${seen.pathname}` : (messageId ?? seen.pathname);
    this.serveMode(parsed.mode, counterKey, seen.query, res, send, start);
  }

  /** Answers `status`, with the Retry-After header that `?retryAfter=` asks for. */
  private sendFailure(
    status: number,
    text: string,
    query: URLSearchParams,
    send: (status: number, text: string, headers?: Record<string, string>) => void,
  ): void {
    const retryAfter = query.get('retryAfter');
    if (retryAfter === null) return send(status, text);
    if (!isValidHeaderValue(retryAfter)) return send(400, 'retryAfter is not a valid header value');
    return send(status, text, { 'retry-after': retryAfter });
  }

  private serveMode(
    mode: Mode,
    messageKey: string,
    query: URLSearchParams,
    res: ServerResponse,
    send: (status: number, text: string, headers?: Record<string, string>) => void,
    start: (status: number) => boolean,
  ): void {
    switch (mode.kind) {
      case 'ok':
        return send(200, 'ok');
      case 'status':
        return this.sendFailure(mode.code, `status ${mode.code}`, query, send);
      case 'flaky': {
        const attempt = this.attempts.next(messageKey);
        if (attempt > mode.failures) return send(200, 'ok');
        const status = query.get('status') ?? '500';
        if (!/^[45]\d\d$/.test(status)) return send(400, 'status must be a 4xx or 5xx code');
        return this.sendFailure(Number(status), `flaky: failure ${attempt} of ${mode.failures}`, query, send);
      }
      case 'random-fail': {
        const first = this.attempts.next(messageKey) === 1;
        if (first && Math.random() * 100 < mode.percent) return send(500, 'random-fail: first attempt failed');
        return send(200, 'ok');
      }
      case 'slow': {
        const timer = setTimeout(() => send(200, 'ok'), mode.ms);
        res.once('close', () => clearTimeout(timer));
        return;
      }
      case 'hang':
        // Never answers; the connection ends when the client gives up or the sink closes.
        return;
      case 'drip': {
        // The status at once, then a body that never ends: only a deadline on the whole
        // response gets a client out.
        if (!start(200)) return;
        const timer = setInterval(() => res.write('.'), mode.ms);
        res.once('close', () => clearInterval(timer));
        return;
      }
    }
  }
}

export function createSink(options: SinkOptions): Sink {
  return new Sink(options);
}

/** A request as first seen, before its body was read. */
interface Seen {
  url: string;
  pathname: string;
  query: URLSearchParams;
  at: number;
  atNs: bigint;
  atUs: number;
  body: ReadBody;
}

/** Most requests have no query string; they share this empty one (it is only read). */
const NO_QUERY = new URLSearchParams();

function isValidHeaderValue(value: string): boolean {
  if (value.length > MAX_RETRY_AFTER_LENGTH) return false;
  try {
    http.validateHeaderValue('retry-after', value);
    return true;
  } catch {
    return false;
  }
}
