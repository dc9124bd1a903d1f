import { ratioAtLeast, ratioAtMost, row } from '../results';
import { formatRatio, formatTable } from './format-table';

describe('formatRatio', () => {
  const atLeast = (ratio: number, min: number) => formatRatio(ratio, [ratioAtLeast(min)({ ratio })]);

  it('prints two decimals when they leave no doubt about the target', () => {
    expect(atLeast(1.4853, 2.0)).toBe('1.49');
    expect(atLeast(0.9312, 0.9)).toBe('0.93');
  });

  it('adds digits where two decimals would round the ratio onto its bound', () => {
    expect(atLeast(0.8962, 0.9)).toBe('0.896');
    expect(atLeast(0.9004, 0.9)).toBe('0.9004');
    expect(formatRatio(1.0012, [ratioAtMost(1.0)({ ratio: 1.0012 })])).toBe('1.001');
  });

  it('prints a ratio exactly on its bound, or without a ratio target, with two decimals', () => {
    expect(atLeast(0.9, 0.9)).toBe('0.90');
    expect(formatRatio(0.8962, [])).toBe('0.90');
  });
});

describe('formatTable', () => {
  it('never shows a failed ratio as if it met its target', () => {
    const failed = row('backlog', { metric: 'deliveries/s', ferry: 9_284, baselineName: 'Ferry, 10 000 queued', baseline: 10_364, targets: [ratioAtLeast(0.9)] });
    const line = formatTable([{ name: 'backlog', ok: true, durationMs: 1, config: {}, figures: {}, rows: [failed] }]).split('\n')[2];
    expect(line).toContain('0.896×');
    expect(line).toContain('FAIL');
  });
});
