import { boundedMemo } from './bounded-memo';

describe('boundedMemo', () => {
  it('computes a key once while it is remembered', () => {
    const computed: string[] = [];
    const length = boundedMemo(10, (key) => (computed.push(key), key.length));
    expect([length('ab'), length('ab'), length('abc')]).toEqual([2, 2, 3]);
    expect(computed).toEqual(['ab', 'abc']);
  });

  it('forgets everything once full, and computes again', () => {
    const computed: string[] = [];
    const same = boundedMemo(2, (key) => (computed.push(key), key));
    same('a');
    same('b');
    same('c'); // full: forgets a and b
    same('a');
    expect(computed).toEqual(['a', 'b', 'c', 'a']);
  });
});
