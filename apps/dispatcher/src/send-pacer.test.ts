import { SendPacer } from './send-pacer';

describe('SendPacer', () => {
  const pace = { intervalMs: 100, toleranceMs: 100 }; // 10 a second, a burst of 2

  it('lets the burst start at once, then spaces starts by the interval', () => {
    const pacer = new SendPacer();
    expect(pacer.startIn('a', pace, 1_000)).toBe(0);
    expect(pacer.startIn('a', pace, 1_000)).toBe(0);
    expect(pacer.startIn('a', pace, 1_000)).toBe(100);
    expect(pacer.startIn('a', pace, 1_050)).toBe(50);
    expect(pacer.startIn('a', pace, 1_100)).toBe(0);
    expect(pacer.startIn('a', pace, 1_100)).toBe(100);
  });

  it('paces each destination apart', () => {
    const pacer = new SendPacer();
    const single = { intervalMs: 100, toleranceMs: 0 };
    expect(pacer.startIn('a', single, 0)).toBe(0);
    expect(pacer.startIn('b', single, 0)).toBe(0);
    expect(pacer.startIn('a', single, 0)).toBe(100);
  });

  it('allows a full burst again after an idle spell, and no more', () => {
    const pacer = new SendPacer();
    for (let i = 0; i < 2; i++) expect(pacer.startIn('a', pace, 0)).toBe(0);
    for (let i = 0; i < 2; i++) expect(pacer.startIn('a', pace, 10_000)).toBe(0);
    expect(pacer.startIn('a', pace, 10_000)).toBeGreaterThan(0);
  });

  it('forgets destinations whose spacing is over once it remembers many, and still paces the others', () => {
    const pacer = new SendPacer();
    const single = { intervalMs: 100, toleranceMs: 0 };
    const slow = { intervalMs: 10_000, toleranceMs: 0 };
    pacer.startIn('slow', slow, 0);
    for (let i = 0; i < 999; i++) pacer.startIn(`d${i}`, single, 0);
    expect(pacer.remembered).toBe(1_000);
    // At 150 ms the 999 are spaced out already; only the slow one still holds its next start back.
    expect(pacer.startIn('new', single, 150)).toBe(0);
    expect(pacer.remembered).toBe(2);
    expect(pacer.startIn('slow', slow, 150)).toBeGreaterThan(0);
    expect(pacer.startIn('d1', single, 150)).toBe(0);
  });

  it('starts afresh when the pace changes, as a changed rate does in Redis', () => {
    const pacer = new SendPacer();
    const slowPace = { intervalMs: 10_000, toleranceMs: 0 };
    expect(pacer.startIn('a', slowPace, 0)).toBe(0);
    expect(pacer.startIn('a', slowPace, 100)).toBe(9_900);
    const faster = { intervalMs: 10, toleranceMs: 0 };
    expect(pacer.startIn('a', faster, 100)).toBe(0);
    expect(pacer.startIn('a', faster, 100)).toBe(10);
  });

  it('counts a start it is told went now, for the spacing of the next', () => {
    const pacer = new SendPacer();
    const single = { intervalMs: 100, toleranceMs: 0 };
    expect(pacer.startIn('a', single, 0)).toBe(0);
    pacer.startNow('a', single, 10);
    expect(pacer.startIn('a', single, 10)).toBe(190);
  });

  it('counts a start without a pace against a destination whose spacing it knows, and no other', () => {
    const pacer = new SendPacer();
    const single = { intervalMs: 100, toleranceMs: 0 };
    expect(pacer.startIn('a', single, 0)).toBe(0);
    pacer.startUnpaced('a', 150);
    expect(pacer.startIn('a', single, 150)).toBe(100);
    pacer.startUnpaced('b', 150);
    expect(pacer.remembered).toBe(1);
  });

  it('does not let starts without a pace push the next paced one past what the rate allows', () => {
    const pacer = new SendPacer();
    const single = { intervalMs: 100, toleranceMs: 0 };
    expect(pacer.startIn('a', single, 0)).toBe(0);
    // Many unpaced starts at once (the destination has no rate any more, say).
    for (let i = 0; i < 1_000; i++) pacer.startUnpaced('a', 10);
    expect(pacer.startIn('a', single, 10)).toBe(90);
  });
});
