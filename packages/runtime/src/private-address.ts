import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which kind of network an IP address belongs to, for the SSRF guard: a delivery must not reach
 * the operator's own network (loopback, RFC 1918, link-local with the cloud metadata endpoint,
 * …) unless the operator allows it. Ingest checks what a destination host resolves to; the
 * dispatcher should check the address it actually connects to (DNS answers can change).
 *
 * Only `public` is safe to call. IPv6 forms that embed an IPv4 address (IPv4-mapped, NAT64,
 * 6to4) are judged by that address, so `::ffff:127.0.0.1` is loopback.
 */
export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

type Range = readonly [base: string, prefix: number, kind: Exclude<AddressKind, 'public'>];

// Special-purpose ranges from the IANA IPv4 registry (RFC 6890 and successors).
const IPV4_RANGES: readonly Range[] = [
  ['0.0.0.0', 32, 'unspecified'],
  ['0.0.0.0', 8, 'reserved'], // "this network"; Linux connects 0.x.x.x to the local host
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'], // includes the metadata endpoint 169.254.169.254
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'], // documentation
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'reserved'], // documentation
  ['203.0.113.0', 24, 'reserved'], // documentation
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // includes the broadcast address
];

// Checked in order, so the narrow ranges come before the wide ones that contain them.
const IPV6_RANGES: readonly Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'reserved'], // IPv4-compatible (deprecated)
  ['64:ff9b:1::', 48, 'private'], // local-use NAT64
  ['100::', 64, 'reserved'], // discard-only
  ['2001:db8::', 32, 'reserved'], // documentation
  ['2001::', 23, 'reserved'], // IETF protocol assignments, Teredo included
  ['3fff::', 20, 'reserved'], // documentation
  ['fc00::', 7, 'private'], // unique local, e.g. fd00:ec2::254 (a metadata endpoint)
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // site-local (deprecated)
  ['ff00::', 8, 'multicast'],
];

/** IPv6 prefixes whose addresses carry an IPv4 address, and where in the 128 bits it sits. */
const EMBEDDED_IPV4: readonly (readonly [base: string, prefix: number, shift: bigint])[] = [
  ['::ffff:0:0', 96, 0n], // IPv4-mapped
  ['64:ff9b::', 96, 0n], // NAT64 well-known prefix
  ['2002::', 16, 80n], // 6to4
];

const GLOBAL_UNICAST: Range = ['2000::', 3, 'reserved'];

/**
 * The kind of an IP address literal; undefined when `text` is not one. Accepts IPv6 in
 * brackets (as in URLs) and with a zone id (`fe80::1%eth0`).
 */
export function classifyAddress(text: string): AddressKind | undefined {
  if (isIPv4(text)) return classifyIPv4(parseIPv4(text));
  const bracketed = text.startsWith('[') && text.endsWith(']');
  const address = (bracketed ? text.slice(1, -1) : text).split('%', 1)[0]!;
  return isIPv6(address) ? classifyIPv6(parseIPv6(address)) : undefined;
}

/** True only for an IP literal in a public range; false for private ones and for non-addresses. */
export function isPublicAddress(text: string): boolean {
  return classifyAddress(text) === 'public';
}

function classifyIPv4(value: number): AddressKind {
  for (const [base, prefix, kind] of IPV4_RANGES) {
    if (inRange(BigInt(value), 32, parseIPv4(base), prefix)) return kind;
  }
  return 'public';
}

function classifyIPv6(value: bigint): AddressKind {
  for (const [base, prefix, shift] of EMBEDDED_IPV4) {
    if (inRange(value, 128, parseIPv6(base), prefix)) return classifyIPv4(Number((value >> shift) & 0xffffffffn));
  }
  for (const [base, prefix, kind] of IPV6_RANGES) {
    if (inRange(value, 128, parseIPv6(base), prefix)) return kind;
  }
  const [base, prefix, kind] = GLOBAL_UNICAST;
  // Everything outside 2000::/3 is unassigned or special: nothing a webhook should go to.
  return inRange(value, 128, parseIPv6(base), prefix) ? 'public' : kind;
}

function inRange(value: bigint, bits: number, base: bigint | number, prefix: number): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === BigInt(base) >> shift;
}

/** `a.b.c.d` (already validated) as an unsigned 32-bit number. */
function parseIPv4(text: string): number {
  return text.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** A validated IPv6 literal as a 128-bit number; `::` and a trailing dotted IPv4 part included. */
function parseIPv6(text: string): bigint {
  let hex = text;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    hex = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = hex.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}
