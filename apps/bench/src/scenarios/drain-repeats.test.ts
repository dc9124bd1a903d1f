import { repeatsNote, type DrainRunFigures } from './drain';

const round = (received: number, answered200: number): DrainRunFigures => ({
  deliveries: 100,
  spanMs: 10,
  deliveriesPerSecond: 9_900,
  fillMs: 0,
  received,
  byStatus: { '200': answered200 },
  cpuMicrosPerDelivery: { consumer: 1, redis: 1, sink: 1 },
  settled: { received, answered200 },
});

describe('repeatsNote', () => {
  it('says nothing when every round sent each message once and got 200s', () => {
    expect(repeatsNote({ ferry: [round(100, 100)], bullmq: [round(100, 100), round(100, 100)] }, 100)).toEqual([]);
  });

  it('names each round whose rate counted repeats or failures', () => {
    expect(repeatsNote({ ferry: [round(100, 100), round(103, 103)], bullmq: [round(100, 97)] }, 100)).toEqual([
      'drain: ferry round 2 sent 103 requests for 100 messages (0 not answered 200); its rate counts them all',
      'drain: bullmq round 1 sent 100 requests for 100 messages (3 not answered 200); its rate counts them all',
    ]);
  });
});
