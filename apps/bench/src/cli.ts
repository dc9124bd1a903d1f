import path from 'node:path';
import { parseArgs } from 'node:util';

export interface CliOptions {
  smoke: boolean;
  /** Scenario names in the order given; undefined runs every scenario. */
  only: string[] | undefined;
  /** Where the JSON goes. */
  out: string;
  help: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseCli(args: readonly string[], scenarioNames: readonly string[], now = new Date()): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        smoke: { type: 'boolean', default: false },
        only: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  return {
    smoke: values.smoke === true,
    only: values.only === undefined ? undefined : parseOnly(values.only, scenarioNames),
    out: path.resolve(values.out ?? defaultOut(now)),
    help: values.help === true,
  };
}

function parseOnly(list: string, scenarioNames: readonly string[]): string[] {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !scenarioNames.includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`--only takes a comma list of: ${scenarioNames.join(', ')}` + (unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''));
  }
  return names;
}

// An ISO time with the colons left out: some file systems and tools refuse them in names.
function defaultOut(now: Date): string {
  return path.join('bench-results', `bench-${now.toISOString().replace(/[:.]/g, '-')}.json`);
}

export function usage(scenarios: ReadonlyArray<{ name: string; summary: string }>): string {
  return [
    'usage: node apps/bench/dist/main.js [--smoke] [--only <scenario,...>] [--out <file>]',
    '',
    '  --smoke   tiny sizes: every scenario in well under a minute (checks the bench, measures little)',
    '  --only    run these scenarios only, in this order',
    '  --out     the JSON results file (default: bench-results/bench-<ISO time>.json)',
    '',
    'scenarios:',
    ...scenarios.map((s) => `  ${s.name.padEnd(13)} ${s.summary}`),
  ].join('\n');
}
