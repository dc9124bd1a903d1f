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
