import type { ArrivalSpan, SinkClient } from '../sink-client';
import type { ScenarioContext } from './scenario';

export interface DrainFigures {
  deliveries: number;
  /** From the first to the last arrival at the sink. */
  spanMs: number;
  deliveriesPerSecond: number;
  /** How long filling the queue took (0 when there is no queue). */
  fillMs: number;
  /**
   * What the sink received in this run, read after the last of `deliveries` arrived: more than
   * `deliveries` means requests were still arriving then, or duplicates.
   */
  received: number;
  /** The sink's answers by status since it started: for a slice of a shared backlog, every slice so far. */
  byStatus: Record<string, number>;
}

/**
 * Starts watching the sink for `count` arrivals (after the first `after` it has seen) before
 * anything is sent, so the first arrival is read while it is still in the sink's ring. The
 * returned promise never rejects unhandled: a failure elsewhere (the fill) may leave it unawaited.
 */
export function watchArrivals(ctx: ScenarioContext, sink: SinkClient, count: number, timeoutMs: number, after = 0): Promise<ArrivalSpan> {
  const span = sink.spanOf(count, {
    after,
    timeoutMs,
    signal: ctx.signal,
    onPoll: (received) => ctx.progress.update(`${received} of ${count} delivered`),
  });
  span.catch(() => undefined);
  return span;
}

/** Rate over the span: n arrivals are n - 1 intervals. `after`: what the sink had seen before the run. */
export async function drainFigures(sink: SinkClient, span: ArrivalSpan, fillMs: number, after = 0): Promise<DrainFigures> {
  const spanMs = (span.lastUs - span.firstUs) / 1000;
  const stats = await sink.stats();
  return {
    deliveries: span.count,
    spanMs,
    deliveriesPerSecond: spanMs > 0 ? (span.count - 1) / (spanMs / 1000) : NaN,
    fillMs,
    received: stats.received - after,
    byStatus: stats.byStatus,
  };
}
