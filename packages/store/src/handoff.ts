import { inOneWrite } from '@ferry/runtime';
import { leasedDelivery, NEWLINE } from './envelope';
import type { Store } from './store';
import type { ClaimedDelivery } from './types';

/**
 * How long a handoff list lives after its first entry (lua/includes/handoff.lua, where it is
 * set): an entry is taken within this time of its lease beginning, or dropped with the list.
 */
export const HANDOFF_TTL_MS = 5_000;

/**
 * Hand-off: while a dispatcher waits for work it is registered on every shard, and a delivery
 * that arrives meanwhile is leased to it on arrival and pushed to the shard's handoff list,
 * which its wait blocks on (lua/includes/handoff.lua,
 * docs/decisions/0006-hand-off-to-a-waiting-dispatcher.md).
 */
export interface Waiter {
  /** Tells this dispatcher's registrations apart from the others'. */
  instance: string;
  /** Lease length of a delivery handed to it. */
  leaseMs: number;
  /** Concurrency cap of a destination without one of its own, as its claims use. */
  defaultConcurrency: number;
}

function member(waiter: Waiter): string {
  return `${waiter.leaseMs}|${waiter.defaultConcurrency}|${waiter.instance}`;
}

/**
 * Registers the dispatcher as waiting on every shard. A registration is taken by the delivery
 * handed over under it, or by unregisterWaiter(); one left behind (the dispatcher stopped
 * waiting, or died) costs at most one hand-off per shard, which a claim then sends.
 */
export async function registerWaiter(store: Store, waiter: Waiter): Promise<void> {
  const name = member(waiter);
  await onEveryShard(store, (key) => store.redis.sadd(key, name));
}

/** Takes the registrations back: the dispatcher is stopping, and nothing more may be handed to it. */
export async function unregisterWaiter(store: Store, waiter: Waiter): Promise<void> {
  const name = member(waiter);
  await onEveryShard(store, (key) => store.redis.srem(key, name));
}

/**
 * Takes what is still in the handoff lists, up to `count` a shard, in one write: deliveries
 * handed over to a dispatcher that has since stopped waiting, which it sends itself rather than
 * leave them to the list's expiry (their leases would then run out unsent).
 */
export async function takeHandedOver(store: Store, count: number): Promise<ClaimedDelivery[]> {
  const keys = Array.from({ length: store.options.shards }, (_, s) => store.keys.handoff(s));
  const lists = await inOneWrite(store.redis, () => Promise.all(keys.map((key) => store.redis.lpopBuffer(key, count))));
  return lists.flatMap((entries, shard) => (entries ?? []).flatMap((entry) => decodeHandoff(entry, shard) ?? []));
}

/** One command on each shard's waiting set, all in one write. */
async function onEveryShard(store: Store, command: (waitingKey: string) => Promise<unknown>): Promise<void> {
  const keys = Array.from({ length: store.options.shards }, (_, s) => store.keys.waiting(s));
  await inOneWrite(store.redis, () => Promise.all(keys.map(command)));
}

/**
 * Reads a handoff list entry: "id|attempt|dest", a newline, the envelope. Only a delivery
 * just enqueued is handed over (enqueue.lua), so none of its attempts has been free.
 */
export function decodeHandoff(entry: Buffer, shard: number): ClaimedDelivery | undefined {
  const newline = entry.indexOf(NEWLINE);
  if (newline === -1) return undefined;
  const [id, attempt, dest] = entry.toString('utf8', 0, newline).split('|');
  if (id === undefined || attempt === undefined || dest === undefined) return undefined;
  return leasedDelivery(entry, { id, shard, attempt: Number(attempt), free: 0, dest }, newline + 1);
}
