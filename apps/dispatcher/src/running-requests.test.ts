import { RunningRequests, type RunningRequest } from './running-requests';

function request(): RunningRequest & { aborted: Error[] } {
  const aborted: Error[] = [];
  return { aborted, runningSlot: -1, abort: (reason) => aborted.push(reason) };
}

describe('RunningRequests', () => {
  it('keeps the requests that started and have not ended, whatever order they end in', () => {
    const running = new RunningRequests();
    const [a, b, c] = [request(), request(), request()];
    for (const r of [a, b, c]) running.add(r);
    running.delete(a);
    running.delete(a);
    expect(running.size).toBe(2);
    running.delete(c);
    expect(running.size).toBe(1);

    const reason = new Error('stopping');
    running.giveUpAll(reason);
    expect([a.aborted, b.aborted, c.aborted]).toEqual([[], [reason], []]);
    expect(running.size).toBe(0);
  });

  it('aborts a request that starts after everything was given up', () => {
    const running = new RunningRequests();
    const reason = new Error('stopping');
    running.giveUpAll(reason);
    const late = request();
    running.add(late);
    expect(late.aborted).toEqual([reason]);
    expect(running.givenUp).toBe(true);
    expect(running.size).toBe(0);
  });
});
