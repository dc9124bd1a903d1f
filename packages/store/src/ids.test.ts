import { newMessageId, shardForDestination, shardOfMessageId } from './ids';

describe('message ids', () => {
  it('carry their shard', () => {
    for (const shard of [0, 1, 9, 35, 36, 1023]) {
      expect(shardOfMessageId(newMessageId(shard), 1024)).toBe(shard);
    }
  });

  it('are unique', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newMessageId(0)));
    expect(ids.size).toBe(10_000);
  });

  it('reject text that is not an id, or a shard out of range', () => {
    expect(shardOfMessageId('nope', 4)).toBeUndefined();
    expect(shardOfMessageId('msg_9_abcdefghijklmn', 4)).toBeUndefined();
    expect(shardOfMessageId('msg_1_abc', 4)).toBeUndefined();
    expect(shardOfMessageId('msg_1_abcdefghijklmn/../x', 4)).toBeUndefined();
  });

  it('route a destination to one shard, and spread destinations over the shards', () => {
    expect(shardForDestination('https://a.example', 8)).toBe(shardForDestination('https://a.example', 8));
    const shards = new Set(Array.from({ length: 200 }, (_, i) => shardForDestination(`https://h${i}.example`, 8)));
    expect(shards.size).toBe(8);
    expect(shardForDestination('anything', 1)).toBe(0);
  });
});
