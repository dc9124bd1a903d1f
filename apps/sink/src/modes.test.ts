import { parseMode } from './modes';

describe('parseMode', () => {
  it.each([
    ['/ok/anything', { kind: 'ok' }],
    ['/', { kind: 'ok' }],
    ['/hangman/x', { kind: 'ok' }],
    ['/status/503', { kind: 'status', code: 503 }],
    ['/flaky/3/orders', { kind: 'flaky', failures: 3 }],
    ['/flaky/0', { kind: 'flaky', failures: 0 }],
    ['/slow/250/x', { kind: 'slow', ms: 250 }],
    ['/hang', { kind: 'hang' }],
    ['/drip/50/x', { kind: 'drip', ms: 50 }],
    ['/random-fail/12.5/fifo', { kind: 'random-fail', percent: 12.5 }],
  ])('reads %s', (path, mode) => {
    expect(parseMode(path)).toEqual({ ok: true, mode });
  });

  it.each(['/status/abc', '/status/99', '/status/600', '/status', '/flaky/-1', '/slow/600001', '/slow/1e3', '/drip/5', '/drip', '/random-fail/101'])(
    'refuses %s with a message',
    (path) => {
      const result = parseMode(path);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^\/[a-z-]+\//);
    },
  );
});
