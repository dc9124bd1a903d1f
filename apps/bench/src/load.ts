import { setMaxListeners } from 'node:events';
import type { HttpClient } from './clients/http-client';

export interface LoadOptions {
  url: string;
  body: string;
  requests: number;
  concurrency: number;
  /** Id prefix for Ferry-Message-Id, so the sink's records stay tellable apart per run. */
  idPrefix: string;
  signal: AbortSignal;
}

export interface LoadResult {
  elapsedMs: number;
  /** Per-request latency in ms, sorted ascending. */
  latenciesMs: Float64Array;
  /** CPU time of this whole process (user + system) over the run, in µs. */
  cpuMicros: number;
}

/**
 * Keeps `concurrency` requests outstanding until `requests` have completed. The first failure
 * aborts the run: figures from a run with errors would not compare like with like.
 */
export async function runLoad(client: HttpClient, options: LoadOptions): Promise<LoadResult> {
  const latencies = new Float64Array(options.requests);
  const failed = new AbortController();
  const signal = AbortSignal.any([options.signal, failed.signal]);
  // Every outstanding request listens on this one signal, and undici drops its listener a moment
  // after the body is read, so up to about twice the concurrency is expected here, not a leak.
  setMaxListeners(options.concurrency * 2 + 1, signal);
  const headers = { 'content-type': 'application/json' };
  let next = 0;

  const worker = async (): Promise<void> => {
    while (next < options.requests && !signal.aborted) {
      const i = next++;
      const started = process.hrtime.bigint();
      await client.post(options.url, options.body, { ...headers, 'ferry-message-id': `${options.idPrefix}-${i}` }, signal);
      latencies[i] = Number(process.hrtime.bigint() - started) / 1e6;
    }
  };

  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const workers = Array.from({ length: Math.min(options.concurrency, options.requests) }, () =>
    worker().catch((err: unknown) => {
      failed.abort(err);
      throw err;
    }),
  );
  const outcomes = await Promise.allSettled(workers);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);

  if (options.signal.aborted) throw new Error(`run did not finish in time (${next} of ${options.requests} started)`);
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return { elapsedMs, latenciesMs: latencies.sort(), cpuMicros: cpu.user + cpu.system };
}

export interface TimedLoadOptions {
  url: string;
  body: string;
  concurrency: number;
  durationMs: number;
  signal: AbortSignal;
  /** Called every `PROGRESS_EVERY` answers with the count so far. */
  onProgress?: (completed: number) => void;
}

const PROGRESS_EVERY = 500;

export interface TimedLoadResult {
  /** Requests answered 2xx within the duration. */
  completed: number;
  elapsedMs: number;
  /** Per-request latency in ms, sorted ascending. */
  latenciesMs: Float64Array;
}

/**
 * Keeps `concurrency` requests outstanding for `durationMs`: no new request starts after it, the
 * ones outstanding finish and count. A fixed duration rather than a fixed count, so a fast and a
 * slow server are measured over the same stretch of time. Any non-2xx answer aborts the run.
 */
export async function runTimedLoad(client: HttpClient, options: TimedLoadOptions): Promise<TimedLoadResult> {
  const latencies: number[] = [];
  const failed = new AbortController();
  const signal = AbortSignal.any([options.signal, failed.signal]);
  setMaxListeners(options.concurrency * 2 + 1, signal);
  const headers = { 'content-type': 'application/json' };
  const started = performance.now();
  const endsAt = started + options.durationMs;

  const worker = async (): Promise<void> => {
    while (performance.now() < endsAt && !signal.aborted) {
      const sent = performance.now();
      await client.post(options.url, options.body, headers, signal);
      latencies.push(performance.now() - sent);
      if (latencies.length % PROGRESS_EVERY === 0) options.onProgress?.(latencies.length);
    }
  };
  const outcomes = await Promise.allSettled(
    Array.from({ length: options.concurrency }, () =>
      worker().catch((err: unknown) => {
        failed.abort(err);
        throw err;
      }),
    ),
  );
  const elapsedMs = performance.now() - started;

  if (options.signal.aborted) throw new Error(`load on ${options.url} was stopped: ${String(options.signal.reason)}`);
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return { completed: latencies.length, elapsedMs, latenciesMs: Float64Array.from(latencies).sort() };
}
