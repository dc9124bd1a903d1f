import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';

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
    connect: { lookup: guardedLookup(options.policy) },
  });
}

function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((entry) => policy(entry.address));
      if (allowed.length === 0) {
        const refused = new DestinationNotAllowedError(`${hostname} resolves to a private or reserved address`);
        return callback(refused, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const first = allowed[0]!;
      callback(null, first.address, first.family);
    });
  };
}
