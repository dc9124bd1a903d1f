import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger';
import { takeRandomBytes } from './random-pool';
import type { Registry } from './metrics';

/** Answers a request and returns true, or returns false so the caller can route it elsewhere. */
export type OpsHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface OpsHandlerOptions {
  registry: Registry;
  /** Whether the service should get traffic: Redis reachable and not shutting down. */
  isReady: () => Promise<boolean> | boolean;
}

/**
 * Probes and metrics. `/livez` only says the process answers HTTP (a failing liveness probe gets
 * the pod restarted, which would not fix a Redis outage); `/readyz` is where dependencies count.
 */
export function createOpsHandler({ registry, isReady }: OpsHandlerOptions): OpsHandler {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    switch (pathOf(req)) {
      case '/livez':
        sendJson(res, 200, { status: 'ok' });
        return true;
      case '/readyz':
        void readiness(isReady).then((ready) =>
          sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready' }),
        );
        return true;
      case '/metrics':
        registry.metrics().then(
          (text) => send(res, 200, registry.contentType, text),
          () => sendError(res, 500, 'INTERNAL', 'Collecting metrics failed'),
        );
        return true;
      default:
        return false;
    }
  };
}

/** The paths createOpsHandler serves, with GET and HEAD only: other methods there get a 405. */
export const OPS_PATHS: ReadonlySet<string> = new Set(['/livez', '/readyz', '/metrics']);

async function readiness(isReady: OpsHandlerOptions['isReady']): Promise<boolean> {
  try {
    return (await isReady()) === true;
  } catch {
    return false;
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export function newRequestId(): string {
  return `req_${takeRandomBytes(8).toString('hex')}`;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const requestId = newRequestId();
  res.setHeader('x-request-id', requestId);
  sendJson(res, status, { error: { code, message, requestId } });
}

export interface OpsServerOptions {
  /** 0 picks a free port; the returned `port` is the real one. */
  port: number;
  /** The address to listen on; every interface when unset. */
  host?: string | undefined;
  handler: OpsHandler;
  log: Logger;
}

export interface OpsServer {
  port: number;
  /** The address it listens on, as bound (`::` for every interface). */
  host: string;
  close(): Promise<void>;
}

/** A bare HTTP server for services without an API of their own (scheduler, dispatcher). */
export async function startOpsServer({ port, host, handler, log }: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    if (handler(req, res)) return;
    if (OPS_PATHS.has(pathOf(req))) {
      res.setHeader('allow', 'GET, HEAD');
      sendError(res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${pathOf(req)}; use GET`);
      return;
    }
    sendError(res, 404, 'NOT_FOUND', `No route for ${req.method} ${pathOf(req)}`);
  });
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  log.info({ port: address.port, host: address.address }, 'ops server listening');

  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    host: address.address,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Prometheus and probes keep connections alive; without this close() waits for their timeout.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
