import { FailureLog } from './failure-log';
import { createMemoryLogger } from './memory-logger';

const ERROR = 50;
const INFO = 30;

function setup() {
  const { log, lines } = createMemoryLogger();
  let now = 1_000;
  const failures = new FailureLog({
    log,
    fields: { loop: 'promote' },
    failed: 'step failed; retrying',
    recovered: 'step works again',
    intervalMs: 5_000,
    now: () => now,
  });
  return { failures, lines, advance: (ms: number) => (now += ms) };
}

describe('FailureLog', () => {
  it('logs the first failure at once, with the error and its fields', () => {
    const { failures, lines } = setup();
    failures.failed(new Error('ECONNREFUSED'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: ERROR, msg: 'step failed; retrying', loop: 'promote', suppressed: 0, err: { message: 'ECONNREFUSED' } });
  });

  it('logs a failure that goes on at most once per interval, counting the ones it left out', () => {
    const { failures, lines, advance } = setup();
    failures.failed(new Error('down'));
    for (let i = 0; i < 4; i++) {
      advance(1_000);
      failures.failed(new Error('down'));
    }
    expect(lines).toHaveLength(1);
    advance(1_000);
    failures.failed(new Error('still down'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: ERROR, suppressed: 4, err: { message: 'still down' } });
  });

  it('says once that it works again, with how many tries failed, and then logs the next failure at once', () => {
    const { failures, lines, advance } = setup();
    failures.failed(new Error('down'));
    advance(100);
    failures.failed(new Error('down'));
    failures.succeeded();
    failures.succeeded();
    expect(lines.slice(1)).toEqual([expect.objectContaining({ level: INFO, msg: 'step works again', loop: 'promote', failures: 2 })]);

    advance(100);
    failures.failed(new Error('down again'));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ level: ERROR, suppressed: 0, err: { message: 'down again' } });
  });

  it('logs nothing for successes when nothing failed', () => {
    const { failures, lines } = setup();
    failures.succeeded();
    expect(lines).toEqual([]);
  });
});
