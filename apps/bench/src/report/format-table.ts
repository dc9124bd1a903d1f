import type { Row, ScenarioResult, TargetResult } from '../results';

const HEADER = ['scenario', 'metric', 'Ferry', 'baseline', 'baseline value', 'ratio', 'target', 'result'];

/**
 * The run as one aligned text table, a row per figure: Ferry's value next to its baseline's and
 * the ratio, each target with pass or FAIL. A scenario that produced nothing gets one row saying
 * why. Plain text with `|` separators, so it reads in a terminal and pastes into Markdown.
 */
export function formatTable(results: readonly ScenarioResult[]): string {
  const lines: string[][] = [HEADER];
  for (const result of results) {
    if (!result.ok) {
      lines.push([result.name, 'did not complete', '-', '-', '-', '-', '-', `ERROR: ${firstLine(result.error)}`]);
      continue;
    }
    for (const row of result.rows) lines.push(cells(row));
  }
  const widths = HEADER.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length)));
  const render = (line: string[]): string => `| ${line.map((cell, column) => pad(cell, widths[column] ?? 0, column)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [render(HEADER), rule, ...lines.slice(1).map(render)].join('\n');
}

function cells(row: Row): string[] {
  const targets = row.targets.map((t) => t.text).join('; ');
  const result = row.targets.length === 0 ? '' : row.targets.map((t) => (t.pass ? 'pass' : 'FAIL')).join('; ');
  return [
    row.scenario,
    row.metric,
    formatNumber(row.ferry, row.decimals),
    row.baselineName ?? '',
    row.baseline === undefined ? '' : formatNumber(row.baseline, row.decimals),
    row.ratio === undefined ? '' : `${formatRatio(row.ratio, row.targets)}×`,
    targets,
    result,
  ];
}

export function formatNumber(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).replace(/,/g, ' ');
}

/** Most digits a ratio gets; past them a ratio is as good as equal to its bound. */
const MAX_RATIO_DECIMALS = 4;

/**
 * Two decimals, or more where two would round a ratio onto a target's bound: 0.8962 against
 * "≥ 0.9×" prints as 0.896, not as a 0.90 that reads like a pass next to its FAIL.
 */
export function formatRatio(ratio: number, targets: readonly TargetResult[]): string {
  const bounds = targets.flatMap((target) => (target.ratioBound === undefined ? [] : [target.ratioBound]));
  let decimals = 2;
  while (decimals < MAX_RATIO_DECIMALS && bounds.some((bound) => ratio !== bound && round(ratio, decimals) === round(bound, decimals))) decimals++;
  return formatNumber(ratio, decimals);
}

function round(value: number, decimals: number): number {
  return Math.round(value * 10 ** decimals);
}

// Numbers right-aligned (columns 2, 4, 5), text left-aligned.
const NUMERIC_COLUMNS = new Set([2, 4, 5]);

function pad(cell: string, width: number, column: number): string {
  return NUMERIC_COLUMNS.has(column) ? cell.padStart(width) : cell.padEnd(width);
}

function firstLine(text: string | undefined): string {
  const line = (text ?? 'unknown error').split('\n')[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}
