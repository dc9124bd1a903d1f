/** One target of a row, as the issue states it, and whether this run met it. */
export interface TargetResult {
  text: string;
  pass: boolean;
  /** For a ratio target, the ratio it is set at: the table prints the ratio precisely enough to tell the two apart. */
  ratioBound?: number;
}

/** One line of the table: a Ferry figure next to its baseline's, and the ratio of the two. */
export interface Row {
  scenario: string;
  metric: string;
  ferry: number;
  /** What Ferry is compared with in this row ("BullMQ", "do-nothing endpoint"…), if anything. */
  baselineName?: string;
  baseline?: number;
  /** ferry / baseline. */
  ratio?: number;
  targets: TargetResult[];
  /** Digits after the point when printed. */
  decimals: number;
}

/** What a scenario's run returns (scenarios/scenario.ts). */
export interface ScenarioOutput {
  /** Every figure measured, per system, for the JSON. */
  figures: Record<string, unknown>;
  rows: Row[];
  /** Lines printed under the table that help read the figures (scenarios/drain-ceiling.ts). */
  notes?: string[];
}

/** A scenario's output as the runner reports it: no figures or rows when it failed. */
export interface ScenarioResult extends ScenarioOutput {
  name: string;
  ok: boolean;
  /** Why the scenario produced no figures (an error, an overrun). */
  error?: string;
  durationMs: number;
  /** Share (0–1) of the machine's CPU time the host gave to other guests meanwhile (report/cpu-steal.ts); absent off Linux. */
  stolenCpuShare?: number;
  config: unknown;
}

export interface RowSpec {
  metric: string;
  ferry: number;
  baselineName?: string;
  baseline?: number;
  decimals?: number;
  /** Each answers a target for this row's figures. */
  targets?: Array<(row: Pick<Row, 'ferry' | 'baseline' | 'ratio'>) => TargetResult>;
}

export function row(scenario: string, spec: RowSpec): Row {
  const ratio = spec.baseline === undefined ? undefined : spec.ferry / spec.baseline;
  const figures = { ferry: spec.ferry, baseline: spec.baseline, ratio };
  const built: Row = { scenario, metric: spec.metric, ferry: spec.ferry, targets: (spec.targets ?? []).map((t) => t(figures)), decimals: spec.decimals ?? 0 };
  if (spec.baselineName !== undefined) built.baselineName = spec.baselineName;
  if (spec.baseline !== undefined) built.baseline = spec.baseline;
  if (ratio !== undefined) built.ratio = ratio;
  return built;
}

// NaN (a figure that could not be measured) fails every target.
const meets = (value: number | undefined, test: (v: number) => boolean): boolean => value !== undefined && Number.isFinite(value) && test(value);

// Ratio targets read like the ratio column: "≥ 2.0×" means Ferry at least twice its baseline.
export const ratioAtLeast = (min: number) => (r: { ratio?: number }) => ({ text: `≥ ${times(min)}`, pass: meets(r.ratio, (v) => v >= min), ratioBound: min });
export const ratioAtMost = (max: number) => (r: { ratio?: number }) => ({ text: `≤ ${times(max)}`, pass: meets(r.ratio, (v) => v <= max), ratioBound: max });
const times = (ratio: number): string => `${Number.isInteger(ratio) ? ratio.toFixed(1) : String(ratio)}×`;
export const atLeast = (min: number, unit: string) => (r: { ferry: number }) => ({ text: `≥ ${count(min)} ${unit}`, pass: meets(r.ferry, (v) => v >= min) });
export const atMost = (max: number, unit: string) => (r: { ferry: number }) => ({ text: `≤ ${count(max)} ${unit}`, pass: meets(r.ferry, (v) => v <= max) });

/** 1000000 as "1 000 000": thin groups read in any locale and never look like a decimal point. */
export function count(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 0 }).replace(/,/g, ' ');
}

/** Figures are compared in one unit: per second of measured time. */
export const perSecond = (count: number, elapsedMs: number): number => (elapsedMs > 0 ? count / (elapsedMs / 1000) : NaN);
