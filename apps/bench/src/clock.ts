/**
 * Wall clock in µs since the epoch, read the way the sink stamps `atUs`: `performance.timeOrigin`
 * is this process's start on the wall clock and `performance.now()` a monotonic offset from it.
 * Two processes can disagree by milliseconds (each fixes its origin at start), so readings from
 * the sink are corrected by `SinkClient.clockOffsetUs()` before they are compared with these.
 */
export function wallClockUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}
