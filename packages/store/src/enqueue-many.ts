import type { DeliveryState } from '@ferry/contracts';
import { EnqueueArgs } from './enqueue-args';
import { refusalOf, StoreErrorCode } from './errors';
import { newMessageId } from './ids';
import { originOf } from './origin';
import { readDelivery } from './state-record';
import type { Store } from './store';
import type { Enqueued, EnqueueRequest } from './types';

const ENQUEUED_STATE = { 1: 'ready', 2: 'scheduled', 3: 'waiting', 4: 'in_flight' } as const;

/**
 * Accepts many deliveries with one script call per shard (a batch of a hundred costs about
 * what one costs in round trips). Answers, per request in order, what became of it; a
 * duplicate id or a failed call for one shard does not stop the others.
 */
export async function enqueueMany(store: Store, requests: readonly EnqueueRequest[]): Promise<Array<PromiseSettledResult<Enqueued>>> {
  const byShard = new Map<number, Array<{ i: number; dest: string; id: string }>>();
  for (const [i, request] of requests.entries()) {
    const dest = originOf(request.url);
    const shard = store.shardOfDestination(dest);
    let items = byShard.get(shard);
    if (!items) byShard.set(shard, (items = []));
    items.push({ i, dest, id: request.id ?? newMessageId(shard) });
  }
  const results = new Array<PromiseSettledResult<Enqueued>>(requests.length);
  await Promise.all(
    [...byShard].map(async ([shard, items]) => {
      const call = new EnqueueArgs(shard, store.scriptKeys);
      for (const { i, dest, id } of items) call.add(id, dest, requests[i]!);
      try {
        const codes = await store.redis.ferryEnqueue(call.keys.length, ...call.keys, ...call.argv(store.options.eventsMaxLen));
        // An id made here exists already only when this call ran twice: ioredis sends a command
        // again after a reconnect if its reply had not come, and the first run stored it.
        const resent = items.filter(({ i }, n) => codes[n] === StoreErrorCode.DuplicateId && requests[i]!.id === undefined);
        const stored = resent.length > 0 ? await storedStates(store, shard, resent.map(({ id }) => id)) : undefined;
        items.forEach(({ i, id }, n) => {
          const code = codes[n];
          const state = stored?.get(id) ?? (code === undefined ? undefined : ENQUEUED_STATE[code as keyof typeof ENQUEUED_STATE]);
          results[i] = state ? { status: 'fulfilled', value: { id, state } } : { status: 'rejected', reason: refusalOf(code, id) };
        });
      } catch (err) {
        // The reply was lost after the script ran, or a script stopped part-way and kept what it
        // wrote: whatever is stored was accepted. Ask which, and in what state.
        const stored = await storedStates(store, shard, items.map(({ id }) => id)).catch(() => new Map<string, Enqueued['state']>());
        for (const { i, id } of items) {
          const state = stored.get(id);
          results[i] = state ? { status: 'fulfilled', value: { id, state } } : { status: 'rejected', reason: err };
        }
      }
    }),
  );
  return results;
}

/** The enqueue state of each of `ids` that is stored (one read each of the records, the leases and the due set). */
async function storedStates(store: Store, shard: number, ids: string[]): Promise<Map<string, Enqueued['state']>> {
  const [raws, leases, dues] = await Promise.all([
    store.redis.hmget(store.keys.deliveries(shard), ...ids),
    store.redis.hmget(store.keys.inflight(shard), ...ids),
    store.redis.zmscore(store.keys.due(shard), ...ids),
  ]);
  const states = new Map<string, Enqueued['state']>();
  ids.forEach((id, n) => {
    const raw = raws[n];
    if (raw === null || raw === undefined) return;
    const { record } = readDelivery(raw, leases[n] ?? null, dues[n] ?? null);
    states.set(id, enqueuedState(record.state));
  });
  return states;
}

/**
 * A stored delivery's state as an enqueue reports it. One that has already moved on (its reply
 * was lost while it was delivered, say) is reported as ready: accepted, its later state one
 * status read away.
 */
function enqueuedState(state: DeliveryState): Enqueued['state'] {
  return state === 'scheduled' || state === 'waiting' || state === 'in_flight' ? state : 'ready';
}
