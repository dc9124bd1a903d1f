import { describeDrainCeiling } from './drain-ceiling';

describe('describeDrainCeiling', () => {
  it("gives the ceiling against BullMQ, the share of it the target needed and Ferry's share", () => {
    // A drain-only run on the AMD VM: Ferry 9 001, BullMQ 4 608, undici direct 9 410 deliveries/s.
    expect(describeDrainCeiling({ ferry: 9_001, bullmq: 4_608, direct: 9_410 }, 2.0)).toBe(
      'drain: undici direct, with no queue, reached 2.04× the BullMQ worker; 2.0× asked Ferry for 98 % of that ceiling, and it ran at 96 %',
    );
  });

  it('says so when even the queue-less sender stayed under the target', () => {
    const note = describeDrainCeiling({ ferry: 9_393, bullmq: 6_029, direct: 11_312 }, 2.0);
    expect(note).toBe(
      'drain: undici direct, with no queue, reached 1.88× the BullMQ worker; 2.0× asked Ferry for 107 % of that ceiling, and it ran at 83 % ' +
        '(no queue could have met the target in this run)',
    );
  });

  it('has nothing to say without three measured rates', () => {
    expect(describeDrainCeiling({ ferry: 9_000, bullmq: 0, direct: 9_000 }, 2.0)).toBeUndefined();
    expect(describeDrainCeiling({ ferry: 9_000, bullmq: 4_000, direct: Number.NaN }, 2.0)).toBeUndefined();
  });
});
