import type { Store } from './store';

/** One delivery an event stream entry names, with its attempt for the kinds that carry one. */
export interface EventDelivery {
  id: string;
  attempt?: number;
}

/** One entry of a shard's event stream, as the scripts write it (lua/includes/event.lua). */
export interface EventEntry {
  kind: string;
  /** One, or up to a batch's worth (16). */
  deliveries: EventDelivery[];
}

/**
 * Reads an entry's fields: `e <kind>`, then `id <id>` and, for the kinds that carry it,
 * `a <attempt>`, per delivery. Answers undefined for fields of another shape.
 */
export function parseEventEntry(fields: readonly string[]): EventEntry | undefined {
  if (fields[0] !== 'e' || fields[1] === undefined) return undefined;
  const deliveries: EventDelivery[] = [];
  for (let i = 2; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    if (fields[i] === 'id') deliveries.push({ id: value });
    else if (fields[i] === 'a' && deliveries.length > 0) deliveries[deliveries.length - 1]!.attempt = Number(value);
  }
  return { kind: fields[1], deliveries };
}

/** Stream entries read per XRANGE call. */
const PAGE = 10_000;

/**
 * When each delivery first had an event of `kind`, by Redis's clock: entries are added with `*`
 * ids, whose millisecond part is Redis's time (ms since the epoch) when the script ran. Reads
 * every shard's stream, a page at a time. The streams are trimmed to about `eventsMaxLen`
 * entries, so only what they still hold is answered.
 */
export async function eventTimes(store: Store, kind: string): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (let shard = 0; shard < store.options.shards; shard++) {
    const key = store.keys.events(shard);
    let from = '-';
    for (;;) {
      const entries = await store.redis.xrange(key, from, '+', 'COUNT', PAGE);
      for (const [entryId, fields] of entries) {
        const entry = parseEventEntry(fields);
        if (entry?.kind !== kind) continue;
        const at = Number(entryId.slice(0, entryId.indexOf('-')));
        for (const { id } of entry.deliveries) if (!times.has(id)) times.set(id, at);
      }
      const last = entries[entries.length - 1];
      if (last === undefined || entries.length < PAGE) break;
      from = `(${last[0]}`;
    }
  }
  return times;
}
