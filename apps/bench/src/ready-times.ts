import { parseEventEntry, type Store } from '@ferry/store';

/** Stream entries read per XRANGE call. */
const PAGE = 10_000;

/**
 * When each delivery became ready, read from the `ready` events the promote script writes into
 * every shard's events stream. The entries are added with `*` ids, so an id's millisecond part is
 * Redis's clock (ms since the epoch) at the moment of promotion. Only the first `ready` event of
 * each id counts. The streams are trimmed to `eventsMaxLen`: the caller must size it so that
 * nothing it asks about has been trimmed away before this reads it.
 */
export async function readyTimes(store: Store): Promise<Map<string, number>> {
  const readyAt = new Map<string, number>();
  for (let shard = 0; shard < store.options.shards; shard++) {
    const key = store.keys.events(shard);
    let from = '-';
    for (;;) {
      const entries = await store.redis.xrange(key, from, '+', 'COUNT', PAGE);
      for (const [entryId, fields] of entries) {
        const at = Number(entryId.slice(0, entryId.indexOf('-')));
        const entry = parseEventEntry(fields);
        if (entry?.kind !== 'ready') continue;
        for (const { id } of entry.deliveries) if (!readyAt.has(id)) readyAt.set(id, at);
      }
      const last = entries[entries.length - 1];
      if (last === undefined || entries.length < PAGE) break;
      from = `(${last[0]}`;
    }
  }
  return readyAt;
}
