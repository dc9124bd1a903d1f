import type { ScenarioResult } from '../results';
import { describeSteal, formatShare, parseCpuTicks, readCpuTicks, stolenShare } from './cpu-steal';

// Two readings of /proc/stat from one run here, 11 minutes apart, on a 2-vCPU VM.
const BEFORE = 'cpu  138623 0 18148 911506 422 0 5590 40579 0 0\ncpu0 69000 0 9000 455000 200 0 2800 20000 0 0\n';
const AFTER = 'cpu  208621 0 24971 939986 426 0 7910 67085 0 0\n';

function result(name: string, stolenCpuShare?: number): ScenarioResult {
  const r: ScenarioResult = { name, ok: true, durationMs: 1, config: {}, figures: {}, rows: [] };
  if (stolenCpuShare !== undefined) r.stolenCpuShare = stolenCpuShare;
  return r;
}

describe('parseCpuTicks', () => {
  it('sums the first eight fields of the machine line and picks out the steal', () => {
    expect(parseCpuTicks(BEFORE)).toEqual({ total: 138623 + 18148 + 911506 + 422 + 5590 + 40579, stolen: 40579 });
  });

  it('answers nothing for text that is not /proc/stat', () => {
    expect(parseCpuTicks('')).toBeUndefined();
    expect(parseCpuTicks('cpu0 1 2 3 4 5 6 7 8')).toBeUndefined();
    expect(parseCpuTicks('cpu  1 2 3')).toBeUndefined();
    expect(parseCpuTicks('cpu  1 2 x 4 5 6 7 8 9 10')).toBeUndefined();
  });
});

describe('stolenShare', () => {
  it('is the steal over all CPU time between the two readings', () => {
    const share = stolenShare(parseCpuTicks(BEFORE), parseCpuTicks(AFTER));
    // 26 506 ticks stolen of 134 131: a fifth.
    expect(share).toBeCloseTo(26_506 / 134_131, 6);
  });

  it('answers nothing without both readings or without time between them', () => {
    const ticks = parseCpuTicks(BEFORE);
    expect(stolenShare(undefined, ticks)).toBeUndefined();
    expect(stolenShare(ticks, undefined)).toBeUndefined();
    expect(stolenShare(ticks, ticks)).toBeUndefined();
  });

  it('reads this machine when it runs Linux', () => {
    const ticks = readCpuTicks();
    if (process.platform !== 'linux') return expect(ticks).toBeUndefined();
    expect(ticks!.total).toBeGreaterThan(0);
    expect(ticks!.stolen).toBeGreaterThanOrEqual(0);
  });
});

describe('describeSteal', () => {
  it('names each measured scenario with its share', () => {
    expect(describeSteal([result('ingest', 0.012), result('drain', 0.004)])).toBe(
      'CPU time stolen by the host (other guests ran): ingest 1 %, drain <1 %',
    );
  });

  it('warns when any scenario ran on a busy host', () => {
    const text = describeSteal([result('ingest', 0.01), result('drain', 0.204)]);
    expect(text).toContain('drain 20 %');
    expect(text).toMatch(/warning: the host was busy/);
  });

  it('says nothing where nothing was measured', () => {
    expect(describeSteal([result('ingest'), result('drain')])).toBe('');
  });

  it('shows no steal as 0 %, never as "<1 %"', () => {
    expect(formatShare(0)).toBe('0 %');
  });
});
