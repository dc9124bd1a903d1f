import type { Store } from './store';

/** What an operator sets for a destination; absent means the default. */
export interface DestinationSettings {
  /** Most deliveries in flight at once, across all dispatchers. */
  concurrency?: number;
  /** Most delivery starts per second (GCRA). */
  rate?: number;
  /** Starts allowed at once before the rate applies (default 1). */
  burst?: number;
  paused?: boolean;
  /** A label for metrics, so destinations can be grouped without their URLs as labels. */
  class?: string;
}

/** A change to the settings: a field set to null goes back to its default. */
export type DestinationChange = { [K in keyof DestinationSettings]?: DestinationSettings[K] | null };

export interface DestinationView {
  destination: string;
  settings: DestinationSettings;
  inFlight: number;
  /** Deliveries ready to send now. */
  backlog: number;
  /** Until when the destination asked to be left alone (Retry-After), ms since the epoch. */
  pausedUntil?: number;
  lastError?: { message: string; at: number };
  /** Last time a message for it was accepted or its settings changed, ms since the epoch. */
  lastActivity?: number;
}

/** Changes a destination's settings (atomically, with the rotation); answers the new view. */
export async function updateDestination(store: Store, origin: string, change: DestinationChange): Promise<DestinationView> {
  const shard = store.shardOfDestination(origin);
  const keys = store.scriptKeys.destinationSettings(shard, origin);
  await store.redis.ferryDestSettings(keys.length, ...keys, origin, JSON.stringify(change));
  return (await getDestination(store, origin))!;
}

/** The destination's settings and state; undefined for one Ferry has never seen or been told about. */
export async function getDestination(store: Store, origin: string): Promise<DestinationView | undefined> {
  const shard = store.shardOfDestination(origin);
  const k = store.keys;
  const [hash, backlog, seen] = await Promise.all([
    store.redis.hgetall(k.dest(shard, origin)),
    store.redis.llen(k.ready(shard, origin)),
    store.redis.zscore(k.destinations(shard), origin),
  ]);
  if (seen === null && Object.keys(hash).length === 0 && backlog === 0) return undefined;
  return toView(origin, hash, backlog, seen);
}

/** Destinations by most recent activity, across all shards; at most `limit`. */
export async function listDestinations(store: Store, limit: number): Promise<DestinationView[]> {
  const perShard = await Promise.all(
    Array.from({ length: store.options.shards }, (_, shard) =>
      store.redis.zrevrange(store.keys.destinations(shard), 0, limit - 1, 'WITHSCORES'),
    ),
  );
  const recent: Array<{ origin: string; at: number }> = [];
  for (const flat of perShard) {
    for (let i = 0; i + 1 < flat.length; i += 2) recent.push({ origin: flat[i]!, at: Number(flat[i + 1]) });
  }
  recent.sort((a, b) => b.at - a.at);
  const views = await Promise.all(recent.slice(0, limit).map(({ origin }) => getDestination(store, origin)));
  return views.filter((view): view is DestinationView => view !== undefined);
}

function toView(origin: string, hash: Record<string, string>, backlog: number, seen: string | null): DestinationView {
  const settings: DestinationSettings = {};
  if (hash.concurrency !== undefined) settings.concurrency = Number(hash.concurrency);
  if (hash.rate !== undefined) settings.rate = Number(hash.rate);
  if (hash.burst !== undefined) settings.burst = Number(hash.burst);
  if (hash.paused === '1') settings.paused = true;
  if (hash.class !== undefined) settings.class = hash.class;
  const view: DestinationView = { destination: origin, settings, inFlight: Number(hash.inflight ?? 0), backlog };
  const until = Number(hash.until ?? 0);
  if (until > Date.now()) view.pausedUntil = until;
  if (hash.error !== undefined) view.lastError = { message: hash.error, at: Number(hash.errorAt ?? 0) };
  if (seen !== null) view.lastActivity = Number(seen);
  return view;
}
