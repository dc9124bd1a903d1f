import { ErrorCode } from '@ferry/contracts';
import { Counter, Histogram, type Registry } from '@ferry/runtime';

/**
 * The route label comes from this fixed list, never from the raw path: one series per message
 * id (or per scanner probing random URLs) would grow the registry without bound.
 */
export const ROUTES = [
  '/v1/messages',
  '/v1/messages/batch',
  '/v1/messages/:id',
  '/v1/destinations',
  '/v1/destinations/:origin',
  '/livez',
  '/readyz',
  '/metrics',
  'other',
] as const;
export type RouteLabel = (typeof ROUTES)[number];

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const MESSAGE_BY_ID = /^\/v1\/messages\/[^/]+$/;
const DESTINATION_BY_ORIGIN = /^\/v1\/destinations\/[^/]+$/;

export interface IngestMetrics {
  accepted: Counter;
  rejected: Counter<'code'>;
  httpDuration: Histogram<'route' | 'method' | 'status_class'>;
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const rejected = new Counter({
    name: 'ferry_publish_rejected_total',
    help: 'Publish requests (single or batch) answered with an error, by error code',
    labelNames: ['code'],
    registers: [registry],
  });
  // Zero series up front, so a dashboard's rate() sees the first rejection of each kind.
  for (const code of ErrorCode.options) rejected.inc({ code }, 0);
  return {
    accepted: new Counter({
      name: 'ferry_messages_accepted_total',
      help: 'Messages durably enqueued (each message of a batch counts)',
      registers: [registry],
    }),
    rejected,
    httpDuration: new Histogram({
      name: 'ferry_http_request_duration_seconds',
      help: 'Time from request arrival to response end, by route',
      labelNames: ['route', 'method', 'status_class'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** Matches the way express routes: case-insensitive, a trailing slash ignored. */
export function routeLabel(url: string): RouteLabel {
  const query = url.indexOf('?');
  let path = (query === -1 ? url : url.slice(0, query)).toLowerCase();
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (path === '/v1/messages/batch') return path;
  if (MESSAGE_BY_ID.test(path)) return '/v1/messages/:id';
  if (DESTINATION_BY_ORIGIN.test(path)) return '/v1/destinations/:origin';
  return (ROUTES as readonly string[]).includes(path) ? (path as RouteLabel) : 'other';
}

export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : 'other';
}

export function isPublishRoute(route: RouteLabel): boolean {
  return route === '/v1/messages' || route === '/v1/messages/batch';
}
