import type { Keys } from './keys';

/** What names the keys of one delivery: its shard, destination, tenant and ordering key. */
export interface DeliveryRef {
  shard: number;
  dest: string;
  tenant: string;
  orderingKey?: string | undefined;
}

/**
 * The KEYS list of each script, in the order its header gives. One place, so a script's
 * contract and its callers cannot drift apart. The order key comes last and only with an
 * ordering key (scripts test for its presence).
 */
export class ScriptKeys {
  constructor(private readonly keys: Keys) {}

  /** The fixed KEYS of a batch enqueue on one shard; each delivery adds `deliveryGroup` keys once per group. */
  enqueueBatch(shard: number): string[] {
    const k = this.keys;
    return [
      k.deliveries(shard), k.due(shard), k.dests(shard), k.parked(shard), k.events(shard), k.wake(shard),
      k.backlog(shard), k.destinations(shard), k.waiting(shard), k.handoff(shard), k.leases(shard), k.inflight(shard),
      k.readyCount(shard),
    ];
  }

  /** Keys of one destination, tenant and ordering key: ready list, destination hash, order list. */
  deliveryGroup(d: DeliveryRef): string[] {
    return [this.keys.ready(d.shard, d.dest), this.keys.dest(d.shard, d.dest), this.order(d)];
  }

  claim(shard: number, dests: readonly string[]): string[] {
    const k = this.keys;
    const list = [
      k.deliveries(shard), k.leases(shard), k.dests(shard), k.parked(shard), k.events(shard), k.wake(shard), k.handoff(shard),
      k.inflight(shard), k.due(shard), k.readyCount(shard),
    ];
    for (const dest of dests) list.push(k.ready(shard, dest), k.dest(shard, dest));
    return list;
  }

  /** The fixed KEYS of a batch ack on one shard; each delivery adds `deliveryGroup` keys once per group. */
  ackBatch(shard: number): string[] {
    const k = this.keys;
    return [
      k.deliveries(shard), k.leases(shard), k.attempts(shard), k.done(shard), k.events(shard), k.dests(shard),
      k.parked(shard), k.wake(shard), k.due(shard), k.backlog(shard), k.inflight(shard), k.readyCount(shard),
    ];
  }

  /** The fixed KEYS of a reap on one shard; each delivery adds `deliveryGroup` keys once per group. */
  reapBatch(shard: number): string[] {
    const k = this.keys;
    return [
      k.deliveries(shard), k.leases(shard), k.attempts(shard), k.dests(shard), k.parked(shard), k.dlq(shard),
      k.done(shard), k.events(shard), k.wake(shard), k.due(shard), k.backlog(shard), k.inflight(shard),
      k.readyCount(shard),
    ];
  }

  status(shard: number): string[] {
    const k = this.keys;
    return [k.deliveries(shard), k.attempts(shard), k.due(shard), k.inflight(shard)];
  }

  extend(shard: number): string[] {
    const k = this.keys;
    return [k.deliveries(shard), k.leases(shard), k.inflight(shard)];
  }

  retry(d: DeliveryRef): string[] {
    const k = this.keys;
    const s = d.shard;
    return this.withOrder(d, [
      k.deliveries(s), k.leases(s), k.attempts(s), k.done(s), k.events(s), k.dest(s, d.dest), k.ready(s, d.dest),
      k.dests(s), k.parked(s), k.wake(s), k.due(s), k.backlog(s), k.dlq(s), k.inflight(s), k.readyCount(s),
    ]);
  }

  defer(d: DeliveryRef): string[] {
    const k = this.keys;
    const s = d.shard;
    return [
      k.deliveries(s), k.leases(s), k.attempts(s), k.events(s), k.dest(s, d.dest), k.ready(s, d.dest), k.dests(s), k.parked(s),
      k.inflight(s), k.readyCount(s),
    ];
  }

  release(d: DeliveryRef): string[] {
    const k = this.keys;
    const s = d.shard;
    return [
      k.deliveries(s), k.leases(s), k.ready(s, d.dest), k.dests(s), k.parked(s), k.events(s), k.wake(s), k.dest(s, d.dest),
      k.inflight(s), k.attempts(s), k.readyCount(s),
    ];
  }

  startCheck(d: DeliveryRef): string[] {
    const k = this.keys;
    const s = d.shard;
    return [
      k.leases(s), k.inflight(s), k.ready(s, d.dest), k.dests(s), k.parked(s), k.events(s), k.wake(s), k.dest(s, d.dest),
      k.readyCount(s), k.deliveries(s),
    ];
  }

  cancel(d: DeliveryRef): string[] {
    const k = this.keys;
    const s = d.shard;
    return this.withOrder(d, [
      k.deliveries(s), k.due(s), k.done(s), k.events(s), k.backlog(s), k.ready(s, d.dest), k.dests(s), k.parked(s),
      k.dest(s, d.dest), k.wake(s), k.inflight(s), k.readyCount(s),
    ]);
  }

  promote(shard: number, dests: readonly string[]): string[] {
    const k = this.keys;
    const list = [
      k.deliveries(shard), k.due(shard), k.dests(shard), k.parked(shard), k.events(shard), k.wake(shard), k.destinations(shard),
      k.readyCount(shard),
    ];
    for (const dest of dests) list.push(k.ready(shard, dest), k.dest(shard, dest));
    return list;
  }

  leaseScan(shard: number): string[] {
    return [this.keys.leases(shard), this.keys.deliveries(shard)];
  }

  expire(shard: number): string[] {
    const k = this.keys;
    return [k.done(shard), k.deliveries(shard), k.attempts(shard), k.dlq(shard)];
  }

  destinationPrune(shard: number, dests: readonly string[]): string[] {
    const k = this.keys;
    const list = [k.destinations(shard)];
    for (const dest of dests) list.push(k.dest(shard, dest), k.ready(shard, dest));
    return list;
  }

  readyRecount(shard: number): string[] {
    return [this.keys.readyCount(shard)];
  }

  destinationSettings(shard: number, dest: string): string[] {
    const k = this.keys;
    return [k.dest(shard, dest), k.ready(shard, dest), k.dests(shard), k.parked(shard), k.wake(shard), k.destinations(shard)];
  }

  /** The order key of a delivery; for one without an ordering key, a name that is never written. */
  order(d: DeliveryRef): string {
    return this.keys.order(d.shard, d.dest, d.tenant, d.orderingKey ?? '');
  }

  private withOrder(d: DeliveryRef, list: string[]): string[] {
    if (d.orderingKey) list.push(this.order(d));
    return list;
  }
}
