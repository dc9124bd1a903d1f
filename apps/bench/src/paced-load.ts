import { setMaxListeners } from 'node:events';
import type { HttpClient } from './clients/http-client';
import { wallClockUs } from './clock';

export interface PacedLoadOptions {
  url: string;
  body: string;
  ratePerSecond: number;
  count: number;
  /** Most requests outstanding; at the bound the sender waits, and the send is counted late. */
  maxInFlight: number;
  signal: AbortSignal;
  /** Called with the response body and the wall clock (µs) at which the 2xx was read in full. */
  onAnswer: (index: number, body: string, answeredUs: number) => void;
  onProgress?: (sent: number) => void;
}

export interface PacedLoadResult {
  elapsedMs: number;
  /** Sends that started more than `LATE_MS` after their slot (the sender or the server fell behind). */
  lateSends: number;
}

const LATE_MS = 5;

/**
 * Sends `count` requests at a steady rate, one every 1/rate s on a fixed schedule (a late send
 * does not push the ones after it back), with at most `maxInFlight` outstanding. An open-loop
 * load: the arrival rate does not drop when the server slows down, which is what latency under
 * a steady stream means.
 */
export async function runPacedLoad(client: HttpClient, options: PacedLoadOptions): Promise<PacedLoadResult> {
  const failed = new AbortController();
  const signal = AbortSignal.any([options.signal, failed.signal]);
  setMaxListeners(options.maxInFlight * 2 + 1, signal);
  const headers = { 'content-type': 'application/json' };
  const intervalMs = 1000 / options.ratePerSecond;
  const pending = new Set<Promise<void>>();
  let lateSends = 0;
  const started = performance.now();

  for (let i = 0; i < options.count && !signal.aborted; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    while (pending.size >= options.maxInFlight && !signal.aborted) await Promise.race(pending);
    if (performance.now() - due > LATE_MS) lateSends++;
    // A failed request, or an answer the caller cannot use, stops the load; neither may reject
    // unhandled while the loop is between sends.
    const request = client
      .post(options.url, options.body, headers, signal)
      .then((text) => options.onAnswer(i, text, wallClockUs()))
      .catch((err: unknown) => {
        failed.abort(err);
      });
    const tracked = request.finally(() => pending.delete(tracked));
    pending.add(tracked);
    if (i % 100 === 0) options.onProgress?.(i);
  }
  await Promise.all(pending);
  if (options.signal.aborted) throw new Error(`paced load on ${options.url} was stopped: ${String(options.signal.reason)}`);
  if (failed.signal.aborted) throw failed.signal.reason;
  return { elapsedMs: performance.now() - started, lateSends };
}
