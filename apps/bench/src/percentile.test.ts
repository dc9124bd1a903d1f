import { median, percentile } from './percentile';

describe('percentile', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('uses the nearest rank', () => {
    expect([percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 100), percentile(sorted, 0)]).toEqual([50, 99, 100, 1]);
  });

  it('takes the middle of three runs whatever their order', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });
});
