import type { DeliveryRef, ScriptKeys } from './script-keys';

/**
 * Numbers groups of keys for a script's KEYS (one group per destination, say): the first time
 * a group is seen its keys are appended and it gets the next number, from 1.
 */
export class KeyGroups {
  private readonly index = new Map<string, number>();
  constructor(readonly keys: string[]) {}

  indexOf(group: string, keysOfGroup: () => string[]): number {
    let j = this.index.get(group);
    if (j === undefined) {
      this.keys.push(...keysOfGroup());
      j = this.index.size + 1;
      this.index.set(group, j);
    }
    return j;
  }

  /**
   * The group of a delivery's destination, tenant and ordering key, whose keys are
   * `ScriptKeys.deliveryGroup`: ready list, destination hash, order list.
   */
  delivery(d: DeliveryRef, scriptKeys: ScriptKeys): number {
    return this.indexOf(JSON.stringify([d.dest, d.tenant, d.orderingKey ?? '']), () => scriptKeys.deliveryGroup(d));
  }
}
