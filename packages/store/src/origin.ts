/**
 * The origin of a destination URL (`scheme://host[:port]`): what a destination is keyed by.
 * Parsed once per URL, as most messages go to a few; bounded, so a flood of distinct URLs only
 * costs the parsing again.
 */
export function originOf(url: string): string {
  let origin = origins.get(url);
  if (origin === undefined) {
    origin = new URL(url).origin;
    if (origins.size >= ORIGIN_CACHE_SIZE) origins.clear();
    origins.set(url, origin);
  }
  return origin;
}

const origins = new Map<string, string>();
const ORIGIN_CACHE_SIZE = 10_000;
