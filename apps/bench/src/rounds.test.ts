import { alternate, medianRun, roundLabel } from './rounds';

describe('rounds', () => {
  it('alternates the systems round by round and keeps every run', async () => {
    const order: string[] = [];
    const runs = await alternate(2, {
      a: async (round) => (order.push(`a${round}`), round),
      b: async (round) => (order.push(`b${round}`), round * 10),
    });
    expect(order).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(runs).toEqual({ a: [1, 2], b: [10, 20] });
  });

  it('takes the run with the median figure, the lower middle one of an even count', () => {
    const rate = (run: { rate: number }) => run.rate;
    expect(medianRun([{ rate: 5 }, { rate: 1 }, { rate: 9 }], rate)).toEqual({ rate: 5 });
    expect(medianRun([{ rate: 4 }, { rate: 2 }], rate)).toEqual({ rate: 2 });
    expect(() => medianRun([], rate)).toThrow('no runs');
  });

  it('labels rounds only when there are several', () => {
    expect(roundLabel(1, 1)).toBe('');
    expect(roundLabel(2, 3)).toBe(' (round 2 of 3)');
  });
});
