import { encodeEnvelope } from './envelope';
import { deliveryGroupName, KeyGroups } from './key-groups';
import type { ScriptKeys } from './script-keys';
import type { EnqueueRequest } from './types';

/**
 * The KEYS and ARGV of one enqueue call on a shard (lua/enqueue.lua). What deliveries share
 * (destination, tenant, ordering key, attempts, delay, not-before) is sent once per group and
 * each delivery names its group, so a batch of like messages costs three arguments a message
 * rather than nine. Every argument has a price on both sides: ioredis flattens and encodes each
 * one (about half a microsecond), and Redis parses it and makes it a Lua string.
 */
export class EnqueueArgs {
  private readonly keyGroups: KeyGroups;
  private readonly groupOf = new Map<string, number>();
  private readonly groups: Array<string | number> = [];
  private readonly deliveries: string[] = [];

  constructor(
    private readonly shard: number,
    private readonly scriptKeys: ScriptKeys,
  ) {
    this.keyGroups = new KeyGroups(scriptKeys.enqueueBatch(shard));
  }

  add(id: string, dest: string, request: EnqueueRequest): void {
    const { tenant, maxAttempts } = request;
    const orderingKey = request.orderingKey ?? '';
    const delayMs = request.delayMs ?? 0;
    const notBefore = request.notBefore ?? 0;
    const shared = `${deliveryGroupName(dest, tenant, orderingKey)}\n${maxAttempts}\n${delayMs}\n${notBefore}`;
    let g = this.groupOf.get(shared);
    if (g === undefined) {
      const j = this.keyGroups.delivery({ shard: this.shard, dest, tenant, orderingKey }, this.scriptKeys);
      g = this.groupOf.size + 1;
      this.groupOf.set(shared, g);
      this.groups.push(dest, tenant, orderingKey, maxAttempts, delayMs, notBefore, j);
    }
    this.deliveries.push(id, encodeEnvelope(request), String(g));
  }

  get keys(): string[] {
    return this.keyGroups.keys;
  }

  argv(eventsMaxLen: number): Array<string | number> {
    return [eventsMaxLen, this.groupOf.size, ...this.groups, ...this.deliveries];
  }
}
