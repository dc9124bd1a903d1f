import { routeLabel } from './metrics';

describe('routeLabel', () => {
  it.each([
    ['/v1/messages', '/v1/messages'],
    ['/v1/messages/', '/v1/messages'],
    ['/V1/Messages?x=1', '/v1/messages'],
    ['/v1/messages/batch', '/v1/messages/batch'],
    ['/v1/messages/msg_0_abc', '/v1/messages/:id'],
    ['/v1/messages/msg_0_abc/', '/v1/messages/:id'],
    ['/v1/messages/a/b', 'other'],
    ['/v1/destinations', '/v1/destinations'],
    ['/v1/destinations?limit=5', '/v1/destinations'],
    ['/v1/destinations/https%3A%2F%2Fapi.example.com', '/v1/destinations/:origin'],
    ['/v1/destinations/https:%2F%2Fapi.example.com/', '/v1/destinations/:origin'],
    ['/v1/destinations/https://api.example.com', 'other'],
    ['/readyz', '/readyz'],
    ['/wp-login.php', 'other'],
    ['/', 'other'],
  ])('%s counts as %s', (url, label) => {
    expect(routeLabel(url)).toBe(label);
  });
});
