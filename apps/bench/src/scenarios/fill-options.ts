import type { FillOptions } from '../fill';
import type { ScenarioContext } from './scenario';

/** Fill options bound to a scenario: its signal, its chunk and time limit, progress on its line. */
export function fillOptions(ctx: ScenarioContext, total: number, config: { fillChunk: number; fillTimeoutMs: number }): FillOptions {
  const started = performance.now();
  return {
    chunk: config.fillChunk,
    timeoutMs: config.fillTimeoutMs,
    signal: ctx.signal,
    onProgress: (done) => {
      const rate = done / ((performance.now() - started) / 1000);
      ctx.progress.update(`${done} of ${total} queued (${rate.toFixed(0)}/s)`);
    },
  };
}
