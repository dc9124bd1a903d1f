import { lookup as dnsLookup, type LookupAddress } from 'node:dns';

/** Every address of `hostname` in `family` (4, 6, or 0 for both), with getaddrinfo's `hints`. */
export type ResolveAll = (hostname: string, family: number, hints?: number) => Promise<LookupAddress[]>;

/** The system resolver (getaddrinfo: /etc/hosts, search domains), as Node's sockets use it. */
export const systemResolve: ResolveAll = (hostname, family, hints) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family, ...(hints === undefined ? {} : { hints }) }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/**
 * Joins concurrent look-ups of one name into one. The system resolver runs on libuv's thread
 * pool (4 threads unless UV_THREADPOOL_SIZE says more): one look-up per connection would let a
 * destination whose name server hangs hold a thread for every connection it opens, up to its
 * concurrency cap, and stall new connections to every other destination. Nothing is cached:
 * each look-up that starts after the last one ended asks the resolver again.
 */
export function coalesced(resolveAll: ResolveAll): ResolveAll {
  const pending = new Map<string, Promise<LookupAddress[]>>();
  return (hostname, family, hints) => {
    const key = `${family}/${hints ?? ''}/${hostname}`;
    let lookup = pending.get(key);
    if (lookup === undefined) {
      lookup = resolveAll(hostname, family, hints).finally(() => pending.delete(key));
      pending.set(key, lookup);
    }
    return lookup;
  };
}
