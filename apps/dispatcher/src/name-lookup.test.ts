import type { LookupAddress } from 'node:dns';
import { guardedLookup } from './http-agent';
import { coalesced, type ResolveAll } from './name-lookup';

/** A resolver whose answers the test gives, counting the look-ups it was asked for. */
function heldResolver() {
  const asked: string[] = [];
  const answers = new Map<string, (addresses: LookupAddress[]) => void>();
  const resolveAll: ResolveAll = (hostname) => {
    asked.push(hostname);
    return new Promise((resolve) => answers.set(hostname, resolve));
  };
  return { asked, resolveAll, answer: (hostname: string, address: string) => answers.get(hostname)!([{ address, family: 4 }]) };
}

describe('coalesced name look-ups', () => {
  it('asks the resolver once for look-ups of one name that overlap, and each name apart', async () => {
    const resolver = heldResolver();
    const resolve = coalesced(resolver.resolveAll);
    const slow = Array.from({ length: 10 }, () => resolve('hangs.example', 0));
    const other = resolve('fine.example', 0);
    expect(resolver.asked).toEqual(['hangs.example', 'fine.example']);

    resolver.answer('fine.example', '203.0.113.7');
    expect(await other).toEqual([{ address: '203.0.113.7', family: 4 }]);
    resolver.answer('hangs.example', '203.0.113.8');
    for (const lookup of await Promise.all(slow)) expect(lookup).toEqual([{ address: '203.0.113.8', family: 4 }]);
  });

  it('asks again once the last look-up has ended: nothing is cached', async () => {
    const resolver = heldResolver();
    const resolve = coalesced(resolver.resolveAll);
    const first = resolve('a.example', 0);
    resolver.answer('a.example', '203.0.113.1');
    await first;
    const second = resolve('a.example', 0);
    expect(resolver.asked).toEqual(['a.example', 'a.example']);
    resolver.answer('a.example', '203.0.113.2');
    expect(await second).toEqual([{ address: '203.0.113.2', family: 4 }]);
  });

  it('shares a failure with every look-up that waited on it, then asks again', async () => {
    let calls = 0;
    const resolve = coalesced(async () => {
      calls++;
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    });
    await expect(Promise.all([resolve('gone.example', 0), resolve('gone.example', 0)])).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolve('gone.example', 0)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(calls).toBe(2);
  });
});

describe('the guarded socket look-up', () => {
  const lookupWith = (addresses: string[]) =>
    guardedLookup(
      (address) => !address.startsWith('10.'),
      async () => addresses.map((address) => ({ address, family: 4 })),
    );
  const lookup = (fn: ReturnType<typeof lookupWith>, all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[] }>((resolve) =>
      fn('host.example', { all }, (err, address) => resolve({ err, address })),
    );

  it('answers only the addresses the policy allows', async () => {
    expect(await lookup(lookupWith(['10.0.0.5', '203.0.113.9']), false)).toEqual({ err: null, address: '203.0.113.9' });
    expect(await lookup(lookupWith(['10.0.0.5', '203.0.113.9']), true)).toEqual({ err: null, address: [{ address: '203.0.113.9', family: 4 }] });
  });

  it('refuses a name with no allowed address', async () => {
    const { err } = await lookup(lookupWith(['10.0.0.5']), false);
    expect(err).toMatchObject({ code: 'EDESTINATION_NOT_ALLOWED', message: expect.stringMatching(/host\.example/) });
  });
});
