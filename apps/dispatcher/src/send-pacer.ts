import type { Pace } from '@ferry/store';

/** Destinations remembered before those whose spacing is over are forgotten. */
const REMEMBERED = 1_000;

/** Per destination: the pace last applied, and the theoretical start time of its next delivery. */
interface Spacing {
  pace: Pace;
  next: number;
}

/**
 * Spaces this dispatcher's starts to rate-limited destinations as the claim spaced their leases
 * (the same GCRA: interval and tolerance, lua/includes/limits.lua). A leased delivery can wait
 * in the buffer while every slot is busy, and the claims meanwhile go on leasing at the rate:
 * without this, all of those would start together once slots free, far past the rate.
 * A changed pace starts afresh, as a changed rate does in Redis (dest-settings.lua).
 * Its clock is `performance.now()`.
 */
export class SendPacer {
  private readonly spacing = new Map<string, Spacing>();

  /**
   * Whether a delivery to `dest` may start at `now`: 0 when it may (the start is counted), else
   * how many ms until it may.
   */
  startIn(dest: string, pace: Pace, now: number): number {
    const tat = this.nextStart(dest, pace, now);
    const early = tat - now - pace.toleranceMs;
    // The small slack keeps a float error from holding a start back by a fraction of a ms.
    if (early > 1e-6) return early;
    this.count(dest, pace, tat, now);
    return 0;
  }

  /** Counts a start that goes now whatever its spacing (its lease could not wait longer). */
  startNow(dest: string, pace: Pace, now: number): void {
    this.count(dest, pace, this.nextStart(dest, pace, now), now);
  }

  /**
   * Counts a start that carries no pace (handed over on arrival) against the spacing it knows
   * for `dest`, if any, so that the next paced starts keep their distance from it. One the
   * spacing would not have allowed is not counted: it cannot push the next start further than
   * the rate itself would (the destination may have no rate any more).
   */
  startUnpaced(dest: string, now: number): void {
    const known = this.spacing.get(dest);
    if (known) this.startIn(dest, known.pace, now);
  }

  /** How many destinations it remembers now. */
  get remembered(): number {
    return this.spacing.size;
  }

  /** The theoretical start of the next delivery to `dest` under `pace`: now, for a pace it does not know. */
  private nextStart(dest: string, pace: Pace, now: number): number {
    const known = this.spacing.get(dest);
    return known && samePace(known.pace, pace) ? Math.max(known.next, now) : now;
  }

  private count(dest: string, pace: Pace, tat: number, now: number): void {
    if (this.spacing.size >= REMEMBERED && !this.spacing.has(dest)) this.forgetSpaced(now);
    this.spacing.set(dest, { pace, next: tat + pace.intervalMs });
  }

  /** Forgets destinations whose next start is due already: they behave as if never seen. */
  private forgetSpaced(now: number): void {
    for (const [dest, { next }] of this.spacing) if (next <= now) this.spacing.delete(dest);
  }
}

function samePace(a: Pace, b: Pace): boolean {
  return a.intervalMs === b.intervalMs && a.toleranceMs === b.toleranceMs;
}
