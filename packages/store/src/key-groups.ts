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
    return this.indexOf(deliveryGroupName(d.dest, d.tenant, d.orderingKey ?? ''), () => scriptKeys.deliveryGroup(d));
  }
}

/**
 * One string for a delivery's destination, tenant and ordering key. None of them holds a
 * newline (a record is one line: lua/includes/record.lua), so joined by newlines they name the
 * group unambiguously, for a tenth of what JSON.stringify of the same values costs; it is made
 * once per delivery.
 */
export function deliveryGroupName(dest: string, tenant: string, orderingKey: string): string {
  return `${dest}\n${tenant}\n${orderingKey}`;
}
