/** mulberry32: a tiny seeded PRNG, so a failing fuzz run can be replayed with its seed. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(length: number): Uint8Array {
    return Uint8Array.from({ length }, () => this.int(0, 255));
  }

  /** Printable ASCII, safe in a header value. */
  text(length: number): string {
    return String.fromCharCode(...Array.from({ length }, () => this.int(0x20, 0x7e)));
  }

  /** Any UTF-16 code units, lone surrogates and control characters included. */
  unicode(length: number): string {
    return String.fromCharCode(...Array.from({ length }, () => this.int(0, 0xffff)));
  }
}
