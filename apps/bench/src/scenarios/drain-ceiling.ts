/**
 * Ferry's dispatcher sends every request that undici direct sends and keeps each delivery in
 * Redis besides, so the direct sender's rate is a ceiling on Ferry's. A target of k× the BullMQ
 * worker therefore asks Ferry for k × BullMQ / direct of that ceiling; when the ceiling itself is
 * under k× BullMQ, no queue could have met the target in that run. This note says which it was,
 * so that a miss is told apart from a slow Ferry (docs/performance.md, "Why the drain misses").
 */

import { formatShare } from '../report/cpu-steal';

export interface DrainRates {
  ferry: number;
  bullmq: number;
  direct: number;
}

/** One line on the ceiling and Ferry's share of it; undefined when a rate is missing or zero. */
export function describeDrainCeiling(rates: DrainRates, target: number): string | undefined {
  const { ferry, bullmq, direct } = rates;
  if (![ferry, bullmq, direct].every((rate) => Number.isFinite(rate) && rate > 0)) return undefined;
  const ceiling = direct / bullmq;
  const needed = (target * bullmq) / direct;
  const line =
    `drain: undici direct, with no queue, reached ${ceiling.toFixed(2)}× the BullMQ worker; ` +
    `${target.toFixed(1)}× asked Ferry for ${formatShare(needed)} of that ceiling, and it ran at ${formatShare(ferry / direct)}`;
  return ceiling < target ? `${line} (no queue could have met the target in this run)` : line;
}
