import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { methodLabel, routeLabel, type IngestMetrics, type RouteLabel } from '../metrics';

/** Times every request, the probes included, from arrival until the response ends or the client leaves. */
export function httpMetrics(metrics: IngestMetrics): RequestHandler {
  return (req, res, next) => {
    timeRequest(metrics, routeLabel(req.originalUrl), req, res);
    next();
  };
}

/** Starts the request's timer; it stops when the response is done. */
export function timeRequest(metrics: IngestMetrics, route: RouteLabel, req: IncomingMessage, res: ServerResponse): void {
  const stop = metrics.httpDuration.startTimer();
  // 'close' fires once whether the response finished or the connection dropped; a client that
  // left before its answer was sent is counted apart, not under the status it never got.
  res.once('close', () => {
    const statusClass = res.writableFinished ? `${Math.floor(res.statusCode / 100)}xx` : 'aborted';
    stop({ route, method: methodLabel(req.method), status_class: statusClass });
  });
}
