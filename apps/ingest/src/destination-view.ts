import type { DestinationStatus } from '@ferry/contracts';
import type { DestinationView } from '@ferry/store';

/**
 * The stored destination as `GET /v1/destinations/:origin` shows it: settings flat, times as
 * ISO strings. Absent fields are left undefined, which JSON leaves out.
 */
export function toDestinationStatus(view: DestinationView): DestinationStatus {
  const { settings, lastError } = view;
  return {
    destination: view.destination,
    concurrency: settings.concurrency,
    ratePerSecond: settings.rate,
    burst: settings.burst,
    paused: settings.paused === true,
    class: settings.class,
    inFlight: view.inFlight,
    backlog: view.backlog,
    pausedUntil: iso(view.pausedUntil),
    lastError: lastError === undefined ? undefined : { message: lastError.message, at: new Date(lastError.at).toISOString() },
    lastActivityAt: iso(view.lastActivity),
  };
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
