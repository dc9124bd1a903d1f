/**
 * Wall clock in µs since the epoch, read the way the sink stamps `atUs`: `performance.timeOrigin`
 * is this process's start on the wall clock and `performance.now()` a monotonic offset from it, so
 * two processes on one machine agree to within microseconds (unlike Date.now(), which has ms steps).
 */
export function wallClockUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}
