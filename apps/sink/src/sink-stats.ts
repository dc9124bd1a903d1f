/** Body of `GET /_sink/stats`. */
export interface SinkStatsView {
  /**
   * Requests read whole and recorded since the last clear. Each is numbered as it is recorded, so
   * without a clear the n-th counted is record seq n; one whose client left mid-body is in
   * `inFlight` while it lasts but never counted here.
   */
  received: number;
  inFlight: number;
  maxInFlight: number;
  byStatus: Record<string, number>;
}

/** Counters since the last clear; control requests are not counted. */
export class SinkStats {
  private received = 0;
  private inFlight = 0;
  private maxInFlight = 0;
  private byStatus = new Map<number, number>();

  begin(): void {
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  end(): void {
    this.inFlight--;
  }

  recorded(): void {
    this.received++;
  }

  answered(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  // Requests still open (hang, slow) are still in flight after a clear, so the mark starts there.
  clear(): void {
    this.received = 0;
    this.maxInFlight = this.inFlight;
    this.byStatus.clear();
  }

  view(): SinkStatsView {
    return {
      received: this.received,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      byStatus: Object.fromEntries([...this.byStatus].map(([status, n]) => [String(status), n])),
    };
  }
}
