import type { RequestListener } from 'node:http';
import { createOpsHandler, OPS_PATHS, type Logger, type OpsHandler, type Registry } from '@ferry/runtime';
import type { Store } from '@ferry/store';
import express, { type Express, type RequestHandler } from 'express';
import type { Backpressure } from './backpressure';
import type { IngestConfig } from './config';
import type { DestinationCheck } from './destination-check';
import type { MessagePublisher } from './message-publisher';
import type { IngestMetrics } from './metrics';
import { requireToken } from './middleware/auth';
import { errorHandler } from './middleware/error-handler';
import { methodNotAllowed, notFound } from './middleware/fallback';
import { httpMetrics } from './middleware/http-metrics';
import { requestId } from './middleware/request-id';
import { withPublishFastPath } from './publish-fast-path';
import { destinationsRouter } from './routes/v1/destinations';
import { messagesRouter } from './routes/v1/messages';

export interface AppDeps {
  config: IngestConfig;
  store: Store;
  log: Logger;
  registry: Registry;
  metrics: IngestMetrics;
  destinations: DestinationCheck;
  backpressure: Backpressure;
  /** Publishes one message; one instance per service, so concurrent publishes share enqueue calls. */
  publisher: MessagePublisher;
  /** Redis reachable right now (a cheap status check, no round trip). */
  isStoreAvailable: () => boolean;
  /** For /readyz: Redis answers and the service is not shutting down. */
  isReady: () => Promise<boolean>;
}

/** What the HTTP server calls for each request: the publish fast path, and the express app for the rest. */
export function createRequestListener(deps: AppDeps): RequestListener {
  return withPublishFastPath(createApp(deps), deps);
}

/** The HTTP API as an express app; `IngestService` serves it through `createRequestListener`. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Status answers change from one second to the next; a validator would only cost hashing.
  app.set('etag', false);

  app.use(requestId(app, deps.log));
  app.use(httpMetrics(deps.metrics));
  // Probes and metrics before auth: orchestrators and Prometheus carry no API token.
  app.use(opsRoutes(createOpsHandler({ registry: deps.registry, isReady: deps.isReady })));

  app.use('/v1', requireToken(deps.config.apiToken), messagesRouter(deps), destinationsRouter(deps));
  app.use(notFound);
  app.use(errorHandler(deps.metrics));
  return app;
}

/** The runtime's probe handler answers GET and HEAD on its paths; other methods there get a 405. */
function opsRoutes(handle: OpsHandler): RequestHandler {
  const wrongMethod = methodNotAllowed(['GET', 'HEAD']);
  return (req, res, next) => {
    if (handle(req, res)) return;
    if (!OPS_PATHS.has(req.path)) {
      next();
      return;
    }
    wrongMethod(req, res, next);
  };
}
