import type { ArrivalSpan, SinkClient } from '../sink-client';
import type { ScenarioContext } from './scenario';

export interface DrainFigures {
  deliveries: number;
  /** From the first to the last arrival at the sink. */
  spanMs: number;
  deliveriesPerSecond: number;
  /** How long filling the queue took (0 when there is no queue). */
  fillMs: number;
  /** The sink's count when the last arrived: more than `deliveries` means duplicates. */
  received: number;
  byStatus: Record<string, number>;
}

/**
 * Starts watching the sink for `count` arrivals before anything is sent, so the first arrival is
 * read while it is still in the sink's ring. The returned promise never rejects unhandled: a
 * failure elsewhere (the fill) may leave it unawaited.
 */
export function watchArrivals(ctx: ScenarioContext, sink: SinkClient, count: number, timeoutMs: number): Promise<ArrivalSpan> {
  const span = sink.spanOf(count, {
    timeoutMs,
    signal: ctx.signal,
    onPoll: (received) => ctx.progress.update(`${received} of ${count} delivered`),
  });
  span.catch(() => undefined);
  return span;
}

/** Rate over the span: n arrivals are n - 1 intervals. */
export async function drainFigures(sink: SinkClient, span: ArrivalSpan, fillMs: number): Promise<DrainFigures> {
  const spanMs = (span.lastUs - span.firstUs) / 1000;
  const stats = await sink.stats();
  return {
    deliveries: span.count,
    spanMs,
    deliveriesPerSecond: spanMs > 0 ? (span.count - 1) / (spanMs / 1000) : NaN,
    fillMs,
    received: stats.received,
    byStatus: stats.byStatus,
  };
}
