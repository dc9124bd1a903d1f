import type { ClaimedDelivery } from '@ferry/store';
import { SendPacer } from './send-pacer';

/** A leased delivery waiting for a slot, with `performance.now()` readings. */
export interface Buffered {
  delivery: ClaimedDelivery;
  /** At or before its lease began, or was last renewed while it waited. */
  leasedSince: number;
  /** When it came into the buffer, or its destination was last checked while it waited. */
  checkedAt: number;
}

/**
 * The leased deliveries waiting for a free slot, oldest first. One to a rate-limited destination
 * whose next start is not due yet (SendPacer) stays while the others go past it, and `onDue` is
 * called when it may start; but never past `holdMs` after its lease began, so that the lease
 * can still be renewed when it starts.
 */
export class LeaseBuffer {
  private readonly waiting: Buffered[] = [];
  private readonly pacer = new SendPacer();
  /** The look again that is due soonest, for a delivery held back. */
  private recheck: { timer: NodeJS.Timeout; at: number } | undefined;

  constructor(
    private readonly holdMs: number,
    private readonly onDue: () => void,
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  push(delivery: ClaimedDelivery, leasedSince: number, now = performance.now()): void {
    this.waiting.push({ delivery, leasedSince, checkedAt: now });
  }

  /** Hands deliveries to `start`, oldest first, while `canStart()`; the ones held back stay. */
  startWhile(canStart: () => boolean, start: (buffered: Buffered) => void): void {
    let i = 0;
    let heldFor = Infinity;
    const now = performance.now();
    while (i < this.waiting.length && canStart()) {
      const buffered = this.waiting[i]!;
      const wait = buffered.delivery.pace ? this.paced(buffered, now) : this.unpaced(buffered.delivery, now);
      if (wait > 0) {
        heldFor = Math.min(heldFor, wait);
        i++;
        continue;
      }
      start(i === 0 ? this.waiting.shift()! : this.waiting.splice(i, 1)[0]!);
    }
    if (heldFor < Infinity) this.lookAgainIn(heldFor, now);
  }

  /** The deliveries whose lease began (or was last renewed) at or before `since`, oldest first. */
  leasedBefore(since: number): Buffered[] {
    return this.waiting.filter(({ leasedSince }) => leasedSince <= since);
  }

  /** Takes out a delivery that is not to be sent from here (its lease was lost, or handed back). */
  remove(buffered: Buffered): void {
    const at = this.waiting.indexOf(buffered);
    if (at >= 0) this.waiting.splice(at, 1);
  }

  /** Empties the buffer (the dispatcher is stopping): answers what it held. */
  takeAll(): Buffered[] {
    if (this.recheck) clearTimeout(this.recheck.timer);
    this.recheck = undefined;
    return this.waiting.splice(0);
  }

  /**
   * A delivery without a pace (handed over on arrival) starts at once; it is counted against its
   * destination's spacing if the pacer knows one, so the held ones keep their distance from it.
   */
  private unpaced(delivery: ClaimedDelivery, now: number): 0 {
    if (this.pacer.remembered > 0) this.pacer.startUnpaced(delivery.dest, now);
    return 0;
  }

  /** How long a delivery to a rate-limited destination waits yet (0: it starts now, and is counted). */
  private paced({ delivery, leasedSince }: Buffered, now: number): number {
    const pace = delivery.pace!;
    const wait = this.pacer.startIn(delivery.dest, pace, now);
    if (wait === 0) return 0;
    // Held past `latest`, its lease could run out before it starts: then it goes.
    const latest = leasedSince + this.holdMs;
    if (now < latest) return Math.min(wait, latest - now);
    this.pacer.startNow(delivery.dest, pace, now);
    return 0;
  }

  private lookAgainIn(ms: number, now: number): void {
    const at = now + ms;
    if (this.recheck && this.recheck.at <= at) return;
    if (this.recheck) clearTimeout(this.recheck.timer);
    const timer = setTimeout(() => {
      this.recheck = undefined;
      this.onDue();
    }, Math.ceil(ms));
    this.recheck = { timer, at };
  }
}
