import type { EnqueueRequest, Store } from '@ferry/store';
import type { JobsOptions, Queue } from 'bullmq';
import { abortReason } from './wait';

export interface FillOptions {
  /** Calls outstanding at once; ioredis pipelines them into a few round trips. */
  chunk: number;
  /** The fill fails past this: a fill that crawls would make the run meaningless anyway. */
  timeoutMs: number;
  signal: AbortSignal;
  onProgress?: (done: number) => void;
}

export interface FillResult {
  elapsedMs: number;
}

/** Messages per enqueue call in a fill: the size of a batch publish. */
const FILL_BATCH = 100;

/**
 * Enqueues `count` messages straight through Ferry's Store, in batches (one script call per
 * shard each, as a batch publish makes); `onEnqueued` gets each one's id.
 */
export async function fillStore(
  store: Store,
  count: number,
  make: (index: number) => EnqueueRequest,
  options: FillOptions & { onEnqueued?: (index: number, id: string) => void },
): Promise<FillResult> {
  return inChunks(count, options, async (from, to) => {
    const calls: Promise<void>[] = [];
    for (let start = from; start < to; start += FILL_BATCH) {
      const end = Math.min(to, start + FILL_BATCH);
      const requests = Array.from({ length: end - start }, (_, k) => make(start + k));
      calls.push(
        store.enqueueMany(requests).then((settled) =>
          settled.forEach((outcome, k) => {
            if (outcome.status === 'rejected') throw outcome.reason;
            options.onEnqueued?.(start + k, outcome.value.id);
          }),
        ),
      );
    }
    await Promise.all(calls);
  });
}

export interface QueueJob {
  data: unknown;
  opts?: JobsOptions;
}

/** Adds `count` jobs to a BullMQ queue with `addBulk`, one call per chunk; `onAdded` gets each id. */
export async function fillQueue(
  queue: Queue,
  count: number,
  make: (index: number) => QueueJob,
  options: FillOptions & { onAdded?: (index: number, id: string) => void },
): Promise<FillResult> {
  return inChunks(count, options, async (from, to) => {
    const jobs = [];
    for (let i = from; i < to; i++) jobs.push({ name: 'message', ...make(i) });
    const added = await queue.addBulk(jobs);
    added.forEach((job, k) => options.onAdded?.(from + k, job.id ?? ''));
  });
}

async function inChunks(count: number, options: FillOptions, fill: (from: number, to: number) => Promise<void>): Promise<FillResult> {
  const started = performance.now();
  for (let from = 0; from < count; from += options.chunk) {
    if (options.signal.aborted) throw abortReason(options.signal);
    const spent = performance.now() - started;
    if (spent > options.timeoutMs) {
      throw new Error(`fill stopped at ${from} of ${count} messages: over its ${options.timeoutMs / 1000} s limit`);
    }
    await fill(from, Math.min(count, from + options.chunk));
    options.onProgress?.(Math.min(count, from + options.chunk));
  }
  return { elapsedMs: performance.now() - started };
}
