import type { Pace } from '@ferry/store';

/** Destinations remembered at most; past it, those whose spacing is over are forgotten. */
const REMEMBERED = 1_000;

/**
 * Spaces this dispatcher's starts to rate-limited destinations as the claim spaced their leases
 * (the same GCRA: interval and tolerance, lua/includes/limits.lua). A leased delivery can wait
 * in the buffer while every slot is busy, and the claims meanwhile go on leasing at the rate:
 * without this, all of those would start together once slots free, far past the rate.
 * Its clock is `performance.now()`.
 */
export class SendPacer {
  /** Per destination: the theoretical start time of its next delivery. */
  private readonly next = new Map<string, number>();

  /**
   * Whether a delivery to `dest` may start at `now`: 0 when it may (the start is counted), else
   * how many ms until it may.
   */
  startIn(dest: string, pace: Pace, now: number): number {
    const tat = Math.max(this.next.get(dest) ?? now, now);
    const early = tat - now - pace.toleranceMs;
    // The small slack keeps a float error from holding a start back by a fraction of a ms.
    if (early > 1e-6) return early;
    if (this.next.size >= REMEMBERED && !this.next.has(dest)) this.forgetSpaced(now);
    this.next.set(dest, tat + pace.intervalMs);
    return 0;
  }

  /** How many destinations it remembers now (bounded near REMEMBERED). */
  get remembered(): number {
    return this.next.size;
  }

  /** Forgets destinations whose next start is due already: they behave as if never seen. */
  private forgetSpaced(now: number): void {
    for (const [dest, tat] of this.next) if (tat <= now) this.next.delete(dest);
  }
}
