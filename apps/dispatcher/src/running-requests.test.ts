import { DeadlinePassed, RunningRequests, type RunningRequest } from './running-requests';

/** A request that ends (leaves `running`) when aborted, as a real one does. */
function request(deadline = Infinity, running?: RunningRequests): RunningRequest & { aborted: Error[] } {
  const aborted: Error[] = [];
  const self: RunningRequest & { aborted: Error[] } = {
    aborted,
    deadline,
    runningSlot: -1,
    abort: (reason) => {
      aborted.push(reason);
      running?.delete(self);
    },
  };
  return self;
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

  it('aborts the requests past their deadline and only those, each once, whatever their places', () => {
    const running = new RunningRequests();
    const deadlines = [50, 300, 100, 200, 40];
    const requests = deadlines.map((deadline) => request(deadline, running));
    for (const r of requests) running.add(r);

    expect(running.abortOverdue(100)).toBe(3);
    expect(requests.map((r) => r.aborted.length)).toEqual([1, 0, 1, 0, 1]);
    expect(requests[0]!.aborted[0]).toBeInstanceOf(DeadlinePassed);
    expect(running.size).toBe(2);

    expect(running.abortOverdue(250)).toBe(1);
    expect(requests.map((r) => r.aborted.length)).toEqual([1, 0, 1, 1, 1]);
    expect(running.size).toBe(1);
  });
});
