import { readFileSync } from 'node:fs';
import type { ScenarioResult } from '../results';

/**
 * On a VM, "steal" is time a virtual CPU could have run but the host ran another guest. A run
 * measured while the host was busy is slower and far noisier than the machine's own speed (one
 * run here lost a fifth of its CPU time that way and measured the do-nothing endpoint at a
 * third of its usual rate), so the bench reports the stolen share next to the figures.
 */

/** The machine's CPU time since boot, in clock ticks: all of it, and the part stolen. */
export interface CpuTicks {
  total: number;
  stolen: number;
}

/** The current totals, or undefined where /proc/stat cannot be read (not Linux). */
export function readCpuTicks(): CpuTicks | undefined {
  try {
    return parseCpuTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Reads the first line of /proc/stat: `cpu  user nice system idle iowait irq softirq steal
 * guest guest_nice`. Guest time is already counted in user, so the total is the first eight.
 */
export function parseCpuTicks(stat: string): CpuTicks | undefined {
  const fields = (stat.split('\n', 1)[0] ?? '').trim().split(/\s+/);
  if (fields[0] !== 'cpu' || fields.length < 9) return undefined;
  const ticks = fields.slice(1, 9).map(Number);
  if (!ticks.every(Number.isFinite)) return undefined;
  return { total: ticks.reduce((sum, n) => sum + n, 0), stolen: ticks[7]! };
}

/** The share (0–1) of the machine's CPU time between two readings that the host gave to others. */
export function stolenShare(before: CpuTicks | undefined, after: CpuTicks | undefined): number | undefined {
  if (before === undefined || after === undefined) return undefined;
  const total = after.total - before.total;
  if (total <= 0) return undefined;
  return Math.max(0, after.stolen - before.stolen) / total;
}

/** Above this share a scenario's figures are flagged as measured on a busy host. */
export const NOTABLE_STEAL = 0.05;

/** "21 %" — whole percent, and "<1 %" rather than a 0 that would read as none at all. */
export function formatShare(share: number): string {
  if (share > 0 && share < 0.005) return '<1 %';
  return `${Math.round(share * 100)} %`;
}

/**
 * One line under the table: the CPU stolen during each scenario, with a warning when any is
 * notable. Empty when no scenario has a reading.
 */
export function describeSteal(results: readonly ScenarioResult[]): string {
  const measured = results.filter((r): r is ScenarioResult & { stolenCpuShare: number } => r.stolenCpuShare !== undefined);
  if (measured.length === 0) return '';
  const parts = measured.map((r) => `${r.name} ${formatShare(r.stolenCpuShare)}`);
  const line = `CPU time stolen by the host (other guests ran): ${parts.join(', ')}`;
  const busy = measured.some((r) => r.stolenCpuShare >= NOTABLE_STEAL);
  return busy ? `${line}\nwarning: the host was busy; figures measured then are slower and noisier than this machine's own` : line;
}
