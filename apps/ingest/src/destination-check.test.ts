import { ApiError } from '@ferry/contracts';
import { DestinationCheck, type HostLookup } from './destination-check';

function countingLookup(answers: Record<string, string[] | string>): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (host: string) => {
    calls.push(host);
    const answer = answers[host];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    if (typeof answer === 'string') throw Object.assign(new Error(`getaddrinfo ${answer} ${host}`), { code: answer });
    return answer.map((address) => ({ address }));
  };
  return Object.assign(lookup, { calls });
}

async function refusedWith(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err;
}

describe('DestinationCheck', () => {
  it('judges IP literals without a lookup and names the kind of address', async () => {
    const lookup = countingLookup({});
    const check = new DestinationCheck({ allowPrivate: false, lookup });
    expect(await check.refusal('http://8.8.8.8/')).toBeUndefined();
    expect(await check.refusal('http://[2606:4700::1111]/')).toBeUndefined();
    expect(await check.refusal('http://169.254.169.254/latest')).toMatch(/link-local/);
    expect(await check.refusal('http://[::ffff:7f00:1]/')).toMatch(/loopback/);
    expect(await check.refusal('http://0.0.0.0/')).toBe('Destination 0.0.0.0 is an unspecified address, which Ferry does not call');
    expect(lookup.calls).toEqual([]);
  });

  it('refuses a host when any of its addresses is not public', async () => {
    const check = new DestinationCheck({ allowPrivate: false, lookup: countingLookup({ 'mixed.test': ['8.8.8.8', 'fd00::1'] }) });
    expect(await check.refusal('https://mixed.test/')).toBe('Destination host mixed.test resolves to fd00::1, a private address, which Ferry does not call');
  });

  it('refuses a host that does not resolve, or resolves to nothing', async () => {
    const check = new DestinationCheck({ allowPrivate: false, lookup: countingLookup({ 'empty.test': [] }) });
    expect(await check.refusal('https://missing.test/')).toMatch(/does not resolve/);
    expect(await check.refusal('https://empty.test/')).toMatch(/does not resolve/);
  });

  it('shares one lookup between concurrent checks and reuses it within the TTL', async () => {
    const lookup = countingLookup({ 'api.test': ['8.8.8.8'] });
    const check = new DestinationCheck({ allowPrivate: false, lookup });
    await Promise.all([check.refusal('https://api.test/a'), check.refusal('https://api.test/b'), check.refusal('https://API.test/c')]);
    await check.refusal('https://api.test:8443/d');
    expect(lookup.calls).toEqual(['api.test']);
  });

  it('asks again once the TTL is over', async () => {
    const lookup = countingLookup({ 'api.test': ['8.8.8.8'] });
    const check = new DestinationCheck({ allowPrivate: false, lookup, cacheTtlMs: 0 });
    await check.refusal('https://api.test/');
    await check.refusal('https://api.test/');
    expect(lookup.calls).toEqual(['api.test', 'api.test']);
  });

  it('keeps at most cacheMaxEntries hosts, dropping the oldest', async () => {
    const lookup = countingLookup({ 'a.test': ['8.8.8.8'], 'b.test': ['8.8.8.8'], 'c.test': ['8.8.8.8'] });
    const check = new DestinationCheck({ allowPrivate: false, lookup, cacheMaxEntries: 2 });
    for (const host of ['a', 'b', 'c', 'c', 'b', 'a']) await check.refusal(`https://${host}.test/`);
    expect(lookup.calls).toEqual(['a.test', 'b.test', 'c.test', 'a.test']);
  });

  it('answers 503 for a temporary resolver failure or a slow resolver, and does not remember it', async () => {
    const lookup = countingLookup({ 'flaky.test': 'EAI_AGAIN' });
    const check = new DestinationCheck({ allowPrivate: false, lookup });
    expect((await refusedWith(check.refusal('https://flaky.test/'))).code).toBe('SERVICE_UNAVAILABLE');
    await refusedWith(check.refusal('https://flaky.test/'));
    expect(lookup.calls).toEqual(['flaky.test', 'flaky.test']);

    const hanging = new DestinationCheck({ allowPrivate: false, lookup: () => new Promise(() => undefined), lookupTimeoutMs: 20 });
    expect((await refusedWith(hanging.refusal('https://slow.test/'))).code).toBe('SERVICE_UNAVAILABLE');
  });

  it('reports every refused destination of a batch by its path', async () => {
    const check = new DestinationCheck({ allowPrivate: false, lookup: countingLookup({ 'ok.test': ['8.8.8.8'] }) });
    const items = ['https://ok.test/', 'http://10.0.0.1/', 'https://ok.test/', 'http://127.0.0.1/'].map((destination, i) => ({
      destination,
      path: [i, 'destination'],
    }));
    const err = await refusedWith(check.assertAllowed(items));
    expect(err.code).toBe('DESTINATION_NOT_ALLOWED');
    expect(err.message).toMatch(/10\.0\.0\.1 is a private address.*\(and 1 more\)$/);
    expect(err.details).toEqual([
      { path: [1, 'destination'], message: expect.stringContaining('private') },
      { path: [3, 'destination'], message: expect.stringContaining('loopback') },
    ]);
  });

  it('allows everything, without lookups, when private destinations are allowed', async () => {
    const lookup = countingLookup({});
    const check = new DestinationCheck({ allowPrivate: true, lookup });
    await check.assertAllowed([{ destination: 'http://localhost/', path: ['destination'] }]);
    expect(lookup.calls).toEqual([]);
  });
});
