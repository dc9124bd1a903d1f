import { isPublicAddress } from '@ferry/runtime';
import type { AddressPolicy } from './http-agent';

/** Which addresses deliveries may connect to: all, or only public ones (the SSRF guard). */
export function addressPolicy(allowPrivate: boolean): AddressPolicy {
  return allowPrivate ? () => true : isPublicAddress;
}
