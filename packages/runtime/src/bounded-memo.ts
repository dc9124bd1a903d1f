/**
 * Remembers `compute(key)` for up to `size` keys. When full it forgets them all and starts
 * over: a flood of distinct keys only costs the computing again, never unbounded memory. For
 * the values a hot path would otherwise compute again and again from a few inputs (a URL's
 * parts, a destination's shard, a metric's child for a label value).
 */
export function boundedMemo<K extends string, V>(size: number, compute: (key: K) => V): (key: K) => V {
  const remembered = new Map<K, V>();
  return (key) => {
    let value = remembered.get(key);
    if (value === undefined) {
      value = compute(key);
      if (remembered.size >= size) remembered.clear();
      remembered.set(key, value);
    }
    return value;
  };
}
