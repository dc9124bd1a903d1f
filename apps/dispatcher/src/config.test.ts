import { ConfigError } from '@ferry/runtime';
import { loadConfig } from './config';

describe('dispatcher configuration', () => {
  it('has defaults that work together', () => {
    const config = loadConfig({});
    expect(config.FERRY_LEASE_MS).toBeGreaterThanOrEqual(config.FERRY_DELIVERY_TIMEOUT_MS + 5_000);
    expect(config.FERRY_NON_RETRYABLE_STATUSES).toEqual([]);
  });

  it('refuses a lease shorter than the delivery timeout allows, naming the variable', () => {
    expect(() => loadConfig({ FERRY_LEASE_MS: '10s', FERRY_DELIVERY_TIMEOUT_MS: '8s' })).toThrow(
      /FERRY_LEASE_MS: must be at least FERRY_DELIVERY_TIMEOUT_MS \+ 5000/,
    );
  });

  // The ingest reads the same variable from the same environment (deliveryEnvSchema).
  it('accepts the delivery timeouts the ingest accepts, up to ten minutes', () => {
    expect(loadConfig({ FERRY_DELIVERY_TIMEOUT_MS: '20s' }).FERRY_DELIVERY_TIMEOUT_MS).toBe(20_000);
    expect(loadConfig({ FERRY_DELIVERY_TIMEOUT_MS: '10m', FERRY_LEASE_MS: '11m' }).FERRY_DELIVERY_TIMEOUT_MS).toBe(600_000);
    expect(() => loadConfig({ FERRY_DELIVERY_TIMEOUT_MS: '11m', FERRY_LEASE_MS: '12m' })).toThrow(/^FERRY_DELIVERY_TIMEOUT_MS: /m);
  });

  it('refuses statuses that are not HTTP statuses', () => {
    expect(() => loadConfig({ FERRY_NON_RETRYABLE_STATUSES: '410,abc' })).toThrow(ConfigError);
    expect(loadConfig({ FERRY_NON_RETRYABLE_STATUSES: '400, 410' }).FERRY_NON_RETRYABLE_STATUSES).toEqual(['400', '410']);
  });
});
