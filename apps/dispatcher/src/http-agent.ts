import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { coalesced, systemResolve, type ResolveAll } from './name-lookup';

/** Answers whether Ferry may connect to this IP address. */
export type AddressPolicy = (address: string) => boolean;

export class DestinationNotAllowedError extends Error {
  override readonly name = 'DestinationNotAllowedError';
  readonly code = 'EDESTINATION_NOT_ALLOWED';
}

/**
 * One keep-alive pool per destination origin (undici's Agent does the pooling). Name lookups
 * go through `policy`, so the private-address check is made on the address actually connected
 * to — a name that resolved to a public address at publish time and to 10.0.0.5 now is refused.
 */
export function createDeliveryAgent(options: { connectionsPerOrigin: number; policy: AddressPolicy }): Agent {
  return new Agent({
    connections: options.connectionsPerOrigin,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connect: { lookup: guardedLookup(options.policy, coalesced(systemResolve)) },
  });
}

/** A socket's name lookup that answers only the addresses `policy` allows. */
export function guardedLookup(policy: AddressPolicy, resolveAll: ResolveAll): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    // The callback runs outside the promise chain: a throw in it must not become a rejection.
    // Node's sockets ask with hints (ADDRCONFIG: no IPv6 answers on a host without IPv6).
    resolveAll(hostname, family, options.hints).then(
      (addresses) => process.nextTick(answer, addresses),
      (err: NodeJS.ErrnoException) => process.nextTick(() => callback(err, '', 0)),
    );
    function answer(addresses: LookupAddress[]): void {
      const allowed = addresses.filter((entry) => policy(entry.address));
      if (allowed.length === 0) {
        const refused = new DestinationNotAllowedError(`${hostname} resolves to a private or reserved address`);
        return callback(refused, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const first = allowed[0]!;
      callback(null, first.address, first.family);
    }
  };
}
