import { lookup as dnsLookup } from 'node:dns/promises';
import { ApiError } from '@ferry/contracts';
import { classifyAddress, withTimeout } from '@ferry/runtime';

/** Resolves a host name to every address it has (A and AAAA). */
export type HostLookup = (hostname: string) => Promise<readonly { address: string }[]>;

export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface DestinationCheckOptions {
  allowPrivate: boolean;
  lookup?: HostLookup;
  /** How long a verdict is reused; short, so a changed DNS record is noticed soon. */
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  lookupTimeoutMs?: number;
}

export type FieldPath = (string | number)[];

const MAX_DETAILS = 50;
// getaddrinfo's "try again": the resolver is unreachable, which says nothing about the host.
const TEMPORARY_DNS_CODES = new Set(['EAI_AGAIN', 'ETIMEOUT']);

/**
 * Refuses destinations on loopback, private, link-local (cloud metadata), multicast and other
 * special networks unless the operator allows them, so a sender cannot make Ferry call into
 * its own network (SSRF). A host name counts by every address it resolves to. Verdicts are
 * cached briefly; concurrent checks of one host share a lookup. This does not stop DNS
 * rebinding: the dispatcher must check the address it connects to as well.
 */
export class DestinationCheck {
  private readonly verdicts = new Map<string, { expiresAt: number; refusal: Promise<string | undefined> }>();
  private readonly lookup: HostLookup;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: DestinationCheckOptions) {
    this.lookup = options.lookup ?? systemLookup;
    this.ttlMs = options.cacheTtlMs ?? 30_000;
    this.maxEntries = options.cacheMaxEntries ?? 10_000;
    this.timeoutMs = options.lookupTimeoutMs ?? 5_000;
  }

  /**
   * Throws DESTINATION_NOT_ALLOWED naming each refused destination by its path in the request,
   * or SERVICE_UNAVAILABLE when name resolution fails for a reason that may pass.
   */
  async assertAllowed(items: readonly { destination: string; path: FieldPath }[]): Promise<void> {
    if (this.options.allowPrivate) return;
    const refusals = await Promise.all(items.map(({ destination }) => this.refusal(destination)));
    const details: { path: FieldPath; message: string }[] = [];
    refusals.forEach((message, i) => {
      if (message !== undefined) details.push({ path: items[i]!.path, message });
    });
    const first = details[0];
    if (first === undefined) return;
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    throw new ApiError('DESTINATION_NOT_ALLOWED', `${first.message}${more}`, details.slice(0, MAX_DETAILS));
  }

  /** Why the destination is refused, or undefined when it may be called. */
  async refusal(destination: string): Promise<string | undefined> {
    const { hostname } = new URL(destination);
    const kind = classifyAddress(hostname);
    if (kind !== undefined) return kind === 'public' ? undefined : `Destination ${hostname} is ${withArticle(kind)} address, which Ferry does not call`;
    return this.cachedRefusal(hostname);
  }

  private cachedRefusal(host: string): Promise<string | undefined> {
    const now = Date.now();
    const cached = this.verdicts.get(host);
    if (cached !== undefined && cached.expiresAt > now) return cached.refusal;
    this.verdicts.delete(host);
    if (this.verdicts.size >= this.maxEntries) {
      // Oldest first: a Map iterates in insertion order.
      const oldest = this.verdicts.keys().next();
      if (!oldest.done) this.verdicts.delete(oldest.value);
    }
    const entry = { expiresAt: now + this.ttlMs, refusal: this.resolveRefusal(host) };
    this.verdicts.set(host, entry);
    // A temporary failure must not be remembered; the next request asks again.
    entry.refusal.catch(() => {
      if (this.verdicts.get(host) === entry) this.verdicts.delete(host);
    });
    return entry.refusal;
  }

  private async resolveRefusal(host: string): Promise<string | undefined> {
    let addresses: readonly { address: string }[];
    try {
      addresses = await withTimeout(this.lookup(host), this.timeoutMs, () => new LookupTimeout(`no DNS answer within ${this.timeoutMs} ms`));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (err instanceof LookupTimeout || (typeof code === 'string' && TEMPORARY_DNS_CODES.has(code))) {
        throw new ApiError('SERVICE_UNAVAILABLE', `Could not resolve the destination host ${host} right now; retry later`);
      }
      return `Destination host ${host} does not resolve to an address`;
    }
    if (addresses.length === 0) return `Destination host ${host} does not resolve to an address`;
    for (const { address } of addresses) {
      const kind = classifyAddress(address) ?? 'unrecognised';
      if (kind !== 'public') return `Destination host ${host} resolves to ${address}, ${withArticle(kind)} address, which Ferry does not call`;
    }
    return undefined;
  }
}

class LookupTimeout extends Error {}

/** "a private", "an unspecified": the kind of an address as the refusal names it. */
function withArticle(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}
