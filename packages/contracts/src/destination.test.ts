import { DestinationListQuery, DestinationOrigin, DestinationSettingsBody } from './destination';
import { publishMessageSchema } from './message';

describe('DestinationOrigin', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com'],
    ['https://API.Example.com:443', 'https://api.example.com'],
    ['https://api.example.com/', 'https://api.example.com'],
    ['http://api.example.com:8080', 'http://api.example.com:8080'],
    ['http://[::1]:80', 'http://[::1]'],
    ['https://api.example.com.', 'https://api.example.com'],
    ['http://api.example.com.:8080', 'http://api.example.com:8080'],
  ])('reads %s as %s', (text, origin) => {
    expect(DestinationOrigin.parse(text)).toBe(origin);
  });

  it.each([
    'https://api.example.com/v1',
    'https://api.example.com?x=1',
    'https://api.example.com#x',
    'https://u:p@api.example.com',
    'ftp://a.example.com',
    'mailto:a@b.c',
    'nonsense',
    '',
    'http://./',
    'http://..',
  ])('refuses %j', (text) => {
    expect(DestinationOrigin.safeParse(text).success).toBe(false);
  });
});

describe('DestinationSettingsBody', () => {
  it('takes every field, and null for those with a default', () => {
    const body = { concurrency: 1, ratePerSecond: 0.5, burst: 100_000, paused: true, class: 'bulk_2' };
    expect(DestinationSettingsBody.parse(body)).toEqual(body);
    const reset = { concurrency: null, ratePerSecond: null, burst: null, class: null };
    expect(DestinationSettingsBody.parse(reset)).toEqual(reset);
    expect(DestinationSettingsBody.parse({})).toEqual({});
  });

  it('takes a rate down to one start a day, and says so below it', () => {
    expect(DestinationSettingsBody.parse({ ratePerSecond: 1 / 86_400 })).toEqual({ ratePerSecond: 1 / 86_400 });
    const refused = DestinationSettingsBody.safeParse({ ratePerSecond: 1e-300 });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe('must be at least 1/86400 (one start a day)');
  });

  it.each([
    { concurrency: 0 },
    { concurrency: 100_001 },
    { ratePerSecond: 0 },
    { ratePerSecond: 100_001 },
    { burst: 1.5 },
    { paused: null },
    { class: 'a b' },
    { class: 'x'.repeat(33) },
    { rate: 1 },
  ])('refuses %j', (body) => {
    expect(DestinationSettingsBody.safeParse(body).success).toBe(false);
  });
});

describe('DestinationListQuery', () => {
  it('defaults the limit to 100 and reads it as a number', () => {
    expect(DestinationListQuery.parse({})).toEqual({ limit: 100 });
    expect(DestinationListQuery.parse({ limit: '1000', other: 'x' })).toEqual({ limit: 1000 });
  });

  it.each(['0', '1001', '-1', '1e2', ['1', '2']])('refuses limit %j', (limit) => {
    expect(DestinationListQuery.safeParse({ limit }).success).toBe(false);
  });
});

describe('orderingKey', () => {
  const schema = publishMessageSchema({ maxRetries: 20, maxDelayMs: 60_000, maxTimeoutMs: 15_000 });
  const accepts = (orderingKey: unknown) => schema.safeParse({ destination: 'https://a.example.com/', orderingKey }).success;

  it('takes letters, digits and . _ : @ / - up to 128 characters', () => {
    expect(accepts('order:42')).toBe(true);
    expect(accepts('tenant/a@b.example-1_x')).toBe(true);
    expect(accepts('k'.repeat(128))).toBe(true);
  });

  it.each(['', 'k'.repeat(129), 'a|b', 'a b', 'é', 'a\nb', 7])('refuses %j', (key) => {
    expect(accepts(key)).toBe(false);
  });
});
