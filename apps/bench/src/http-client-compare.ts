import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createGotClient } from './clients/got-client';
import type { ClientOptions, HttpClient } from './clients/http-client';
import { createUndiciClient } from './clients/undici-client';
import { runLoad } from './load';
import { BODY_1K } from './messages';
import { median, percentile } from './percentile';
import { startSinkProcess, type SinkProcess } from './sink-process';

/**
 * Compares the CPU cost and throughput of undici and got for Ferry's delivery pattern: many small
 * POSTs to one origin over keep-alive connections. The reasoning is in
 * docs/decisions/0001-http-client.md.
 */

export interface CompareOptions {
  requests: number;
  warmup: number;
  concurrency: number;
  runs: number;
  /** Limit for one run (warm-up included); a run past it fails. */
  runTimeoutMs: number;
}

export interface ClientFigures {
  client: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  /** The sink's CPU per request: a control, it should not depend on the client. */
  sinkCpuMicrosPerRequest: number;
}

export interface CompareReport {
  options: CompareOptions;
  node: string;
  versions: Record<string, string>;
  /** Every run in the order it ran. */
  runs: ClientFigures[];
  /** Median of each figure over a client's runs. */
  medians: ClientFigures[];
}

export const DEFAULT_OPTIONS: CompareOptions = { requests: 20_000, warmup: 5_000, concurrency: 64, runs: 3, runTimeoutMs: 60_000 };

type ClientFactory = (options: ClientOptions) => HttpClient | Promise<HttpClient>;
const CLIENTS: ReadonlyArray<[string, ClientFactory]> = [
  ['undici', createUndiciClient],
  ['got', createGotClient],
];

export async function compareHttpClients(options: CompareOptions = DEFAULT_OPTIONS): Promise<CompareReport> {
  // Records are not needed here; a small ring keeps the sink's memory flat over every run.
  const sink = await startSinkProcess({ SINK_MAX_RECORDS: '1000' });
  const runs: ClientFigures[] = [];
  try {
    // Alternating clients spreads any drift of the machine (heat, other load) over both.
    for (let run = 1; run <= options.runs; run++) {
      for (const [name, create] of CLIENTS) {
        runs.push(await measure(name, create, sink, options, `${name}-${run}`));
      }
    }
  } finally {
    await sink.stop();
  }
  return {
    options,
    node: process.version,
    versions: { undici: packageVersion('undici'), got: packageVersion('got') },
    runs,
    medians: CLIENTS.map(([name]) => medianFigures(name, runs.filter((r) => r.client === name))),
  };
}

async function measure(name: string, create: ClientFactory, sink: SinkProcess, options: CompareOptions, runId: string): Promise<ClientFigures> {
  const origin = `http://127.0.0.1:${sink.port}`;
  await fetch(`${origin}/_sink/requests`, { method: 'DELETE' });
  const client = await create({ connections: options.concurrency, requestTimeoutMs: 10_000 });
  const signal = AbortSignal.timeout(options.runTimeoutMs);
  const load = { url: `${origin}/ok/bench`, body: BODY_1K, concurrency: options.concurrency, signal };
  try {
    // The warm-up opens the connections and lets the JIT settle before anything is measured.
    await runLoad(client, { ...load, requests: options.warmup, idPrefix: `${runId}-warmup` });
    const sinkCpuBefore = sink.cpuMicros();
    const result = await runLoad(client, { ...load, requests: options.requests, idPrefix: runId });
    const sinkCpuAfter = sink.cpuMicros();
    await expectAllDelivered(origin, options.warmup + options.requests);
    return {
      client: name,
      requestsPerSecond: options.requests / (result.elapsedMs / 1000),
      p50Ms: percentile(result.latenciesMs, 50),
      p99Ms: percentile(result.latenciesMs, 99),
      cpuMicrosPerRequest: result.cpuMicros / options.requests,
      sinkCpuMicrosPerRequest:
        sinkCpuBefore === undefined || sinkCpuAfter === undefined ? NaN : (sinkCpuAfter - sinkCpuBefore) / options.requests,
    };
  } finally {
    await client.close();
  }
}

// The client's own count could hide a bug (a request never sent); the sink's count cannot.
async function expectAllDelivered(origin: string, expected: number): Promise<void> {
  const stats = (await (await fetch(`${origin}/_sink/stats`)).json()) as { received: number; byStatus: Record<string, number> };
  if (stats.received !== expected || stats.byStatus['200'] !== expected) {
    throw new Error(`sink saw ${JSON.stringify(stats)}, expected ${expected} answered 200`);
  }
}

function medianFigures(client: string, runs: ClientFigures[]): ClientFigures {
  const of = (key: Exclude<keyof ClientFigures, 'client'>) => median(runs.map((r) => r[key]));
  return {
    client,
    requestsPerSecond: of('requestsPerSecond'),
    p50Ms: of('p50Ms'),
    p99Ms: of('p99Ms'),
    cpuMicrosPerRequest: of('cpuMicrosPerRequest'),
    sinkCpuMicrosPerRequest: of('sinkCpuMicrosPerRequest'),
  };
}

// got's exports map hides its package.json, so walk up from the resolved entry point.
function packageVersion(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (dir !== path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version !== undefined) return pkg.version;
    } catch {
      // No package.json at this level; keep walking.
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

export function formatReport(report: CompareReport): string {
  const row = (f: ClientFigures) =>
    `| ${f.client} | ${f.requestsPerSecond.toFixed(0)} | ${f.p50Ms.toFixed(2)} | ${f.p99Ms.toFixed(2)} | ${f.cpuMicrosPerRequest.toFixed(1)} | ${f.sinkCpuMicrosPerRequest.toFixed(1)} |`;
  return [
    `node ${report.node}, undici ${report.versions.undici}, got ${report.versions.got}; ` +
      `${report.options.requests} POSTs per run, concurrency ${report.options.concurrency}, ${report.options.runs} runs each`,
    '',
    '| client | req/s | p50 ms | p99 ms | client CPU µs/req | sink CPU µs/req |',
    '|---|---|---|---|---|---|',
    ...report.medians.map(row),
    '',
    'every run:',
    ...report.runs.map(row),
  ].join('\n');
}

function optionsFromArgs(args: string[]): CompareOptions {
  const { values } = parseArgs({
    args,
    options: {
      requests: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      runs: { type: 'string' },
      'run-timeout-s': { type: 'string' },
    },
  });
  const int = (text: string | undefined, fallback: number, flag: string): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer`);
    return n;
  };
  return {
    requests: int(values.requests, DEFAULT_OPTIONS.requests, 'requests'),
    warmup: int(values.warmup, DEFAULT_OPTIONS.warmup, 'warmup'),
    concurrency: int(values.concurrency, DEFAULT_OPTIONS.concurrency, 'concurrency'),
    runs: int(values.runs, DEFAULT_OPTIONS.runs, 'runs'),
    runTimeoutMs: int(values['run-timeout-s'], DEFAULT_OPTIONS.runTimeoutMs / 1000, 'run-timeout-s') * 1000,
  };
}

if (require.main === module) {
  compareHttpClients(optionsFromArgs(process.argv.slice(2)))
    .then((report) => {
      process.stdout.write(`${formatReport(report)}\n\n${JSON.stringify(report)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    });
}
