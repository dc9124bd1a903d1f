import { Keys } from './keys';

describe('Keys', () => {
  const keys = new Keys('ferry');

  it('builds the documented schema', () => {
    expect(keys.deliveries(3)).toBe('ferry:{3}:deliveries');
    expect(keys.ready(3, 'https://a.example:8443')).toBe('ferry:{3}:ready:https://a.example:8443');
    expect(keys.dest(3, 'https://a.example')).toBe('ferry:{3}:dest:https://a.example');
    expect(keys.order(3, 'https://a.example', 'default', 'user-1')).toBe('ferry:{3}:order:https://a.example:default:user-1');
    expect(keys.parked(3)).toBe('ferry:{3}:parked');
    expect(keys.backlog(3)).toBe('ferry:{3}:backlog');
    expect(keys.readyCount(3)).toBe('ferry:{3}:ready-count');
    expect(keys.shardCount()).toBe('ferry:shards');
  });

  it('builds a SCAN pattern for a shard\'s ready lists, with the prefix matched literally', () => {
    expect(keys.readyListPattern(3)).toBe('ferry:{3}:ready:*');
    // Glob characters in the prefix are matched literally.
    expect(new Keys('a*[b]?').readyListPattern(0)).toBe('a\\*\\[b\\]\\?:{0}:ready:*');
  });

  it('tags every per-shard key with the shard, so a script stays in one cluster slot', () => {
    const perShard = [
      keys.deliveries(7), keys.attempts(7), keys.due(7), keys.ready(7, 'http://x'), keys.dests(7),
      keys.dest(7, 'http://x'), keys.leases(7), keys.dlq(7), keys.done(7), keys.events(7), keys.wake(7),
      keys.order(7, 'http://x', 't', 'k'), keys.parked(7), keys.destinations(7), keys.backlog(7),
      keys.waiting(7), keys.handoff(7), keys.inflight(7), keys.readyCount(7),
    ];
    for (const key of perShard) {
      expect(/^[^{]*\{([^}]*)\}/.exec(key)?.[1]).toBe('7');
    }
  });

  it('keeps the prefix outside the hash tag', () => {
    expect(new Keys('staging').due(0)).toBe('staging:{0}:due');
  });
});
