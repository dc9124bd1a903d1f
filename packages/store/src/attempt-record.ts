import type { Attempt } from '@ferry/contracts';

/** The outcome of one attempt, as the dispatcher reports it. */
export interface AttemptOutcome {
  /** When the request started (ms since the epoch). */
  startedAt: number;
  durationMs: number;
  statusCode?: number;
  error?: string;
  responseExcerpt?: string;
}

/** Stored form on the status trail; short keys because every delivery keeps its trail. */
interface StoredAttempt {
  n: number;
  at: number;
  d: number;
  s?: number;
  e?: string;
  x?: string;
}

export function encodeAttempt(attempt: number, outcome: AttemptOutcome): string {
  const stored: StoredAttempt = { n: attempt, at: outcome.startedAt, d: Math.round(outcome.durationMs) };
  if (outcome.statusCode !== undefined) stored.s = outcome.statusCode;
  if (outcome.error !== undefined) stored.e = outcome.error;
  if (outcome.responseExcerpt !== undefined) stored.x = outcome.responseExcerpt;
  return JSON.stringify(stored);
}

export function decodeAttempts(trail: string | null): Attempt[] {
  if (!trail) return [];
  return (JSON.parse(trail) as StoredAttempt[]).map((stored) => {
    const attempt: Attempt = {
      attempt: stored.n,
      at: new Date(stored.at).toISOString(),
      durationMs: Math.max(0, Math.round(stored.d)),
    };
    if (stored.s !== undefined) attempt.statusCode = stored.s;
    if (stored.e !== undefined) attempt.error = stored.e;
    if (stored.x !== undefined) attempt.responseExcerpt = stored.x;
    return attempt;
  });
}
