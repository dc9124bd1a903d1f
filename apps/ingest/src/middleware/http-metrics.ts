import type { RequestHandler } from 'express';
import { methodLabel, routeLabel, type IngestMetrics } from '../metrics';

/** Times every request, the probes included, from arrival until the response ends or the client leaves. */
export function httpMetrics(metrics: IngestMetrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    const route = routeLabel(req.originalUrl);
    // 'close' fires once whether the response finished or the connection dropped.
    res.once('close', () => {
      stop({ route, method: methodLabel(req.method), status_class: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  };
}
