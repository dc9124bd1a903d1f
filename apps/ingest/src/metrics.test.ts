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
    ['/readyz', '/readyz'],
    ['/wp-login.php', 'other'],
    ['/', 'other'],
  ])('%s counts as %s', (url, label) => {
    expect(routeLabel(url)).toBe(label);
  });
});
