import type { ClaimedDelivery, Pace } from '@ferry/store';
import { LeaseBuffer, type Buffered } from './lease-buffer';

/** Just what the buffer looks at: the destination and its pace. */
const delivery = (id: string, dest: string, pace?: Pace) => ({ id, dest, ...(pace ? { pace } : {}) }) as unknown as ClaimedDelivery;

describe('LeaseBuffer', () => {
  const slow: Pace = { intervalMs: 60_000, toleranceMs: 0 };
  let buffer: LeaseBuffer;
  let due: number;
  const started: string[] = [];
  const startAll = () => buffer.startWhile(() => true, ({ delivery: d }: Buffered) => void started.push(d.id));

  beforeEach(() => {
    due = 0;
    started.length = 0;
    buffer = new LeaseBuffer(30_000, () => due++);
  });
  afterEach(() => buffer.takeAll());

  it('hands deliveries out oldest first while slots are free', () => {
    for (const id of ['a', 'b', 'c']) buffer.push(delivery(id, 'https://x.example'), performance.now());
    let slots = 2;
    buffer.startWhile(() => slots > 0, ({ delivery: d }) => void (slots--, started.push(d.id)));
    expect(started).toEqual(['a', 'b']);
    expect(buffer.length).toBe(1);
  });

  it('lets the others go past a delivery held for its destination\'s rate, and looks again when it is due', async () => {
    buffer = new LeaseBuffer(30_000, () => due++);
    const now = performance.now();
    buffer.push(delivery('r1', 'https://rated.example', { intervalMs: 50, toleranceMs: 0 }), now);
    buffer.push(delivery('r2', 'https://rated.example', { intervalMs: 50, toleranceMs: 0 }), now);
    buffer.push(delivery('x', 'https://other.example'), now);
    startAll();
    expect(started).toEqual(['r1', 'x']);
    expect(buffer.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(due).toBe(1);
    startAll();
    expect(started).toEqual(['r1', 'x', 'r2']);
  });

  it('does not hold a delivery so long that its lease could not be renewed when it starts', async () => {
    buffer = new LeaseBuffer(1_000, () => due++);
    const now = performance.now();
    buffer.push(delivery('first', 'https://rated.example', slow), now);
    buffer.push(delivery('young', 'https://rated.example', slow), now);
    buffer.push(delivery('old', 'https://rated.example', slow), now - 900);
    buffer.push(delivery('spent', 'https://rated.example', slow), now - 1_000);
    startAll();
    // The next start is a minute away: the two leased lately wait, the one whose lease began
    // 1 s ago (all the hold allows) goes, and a look is due when the next one's hold runs out.
    expect(started).toEqual(['first', 'spent']);
    expect(buffer.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(due).toBe(1);
    startAll();
    expect(started).toEqual(['first', 'spent', 'old']);
    expect(buffer.takeAll().map((b) => b.delivery.id)).toEqual(['young']);
  });
});
