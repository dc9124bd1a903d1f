import { z } from 'zod';
import { envBool, envDurationMs, envEnum, envInt, envList, envString, parseDurationMs } from './env-fields';

/** Parses one variable `V` through a field helper and returns the value or the error message. */
function read<T>(field: z.ZodType<T, string | undefined>, raw: string | undefined): T | string {
  const result = z.object({ V: field }).safeParse(raw === undefined ? {} : { V: raw });
  return result.success ? result.data.V : (result.error.issues[0]?.message ?? 'no message');
}

describe('parseDurationMs', () => {
  // The duration grammar itself is tested with contracts' parseDuration; this adds plain
  // milliseconds and the leniency an environment file needs (case, surrounding space).
  it.each([
    ['1500', 1_500],
    ['1m30s500ms', 90_500],
    [' 30S ', 30_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', 'abc', '1.5s', '30 s', '5x', 's', '-1s', '1e3', '1h 30m'])('refuses %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});

describe('envDurationMs', () => {
  it('uses the default when unset, given in milliseconds or as a duration', () => {
    expect(read(envDurationMs(1_000), undefined)).toBe(1_000);
    expect(read(envDurationMs('30s'), undefined)).toBe(30_000);
  });

  it('explains what it expected and shows what it got', () => {
    expect(read(envDurationMs('30s'), 'abc')).toBe(
      'must be a whole number of milliseconds or a duration such as 250ms, 30s, 5m, 1h30m (got "abc")',
    );
  });

  it('refuses negative durations and enforces bounds', () => {
    expect(read(envDurationMs('30s'), '-5')).toBe('must be at least 0 (got "-5")');
    expect(read(envDurationMs('30s', { min: 1_000 }), '500ms')).toBe('must be at least 1000 (got "500ms")');
    expect(read(envDurationMs('30s', { max: 60_000 }), '2m')).toBe('must be at most 60000 (got "2m")');
  });

  it('rejects an invalid default when the schema is defined', () => {
    expect(() => envDurationMs('soon')).toThrow('envDurationMs: invalid default "soon"');
  });
});

describe('envBool', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['Yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['NO', false],
  ])('reads %j as %s', (text, value) => {
    expect(read(envBool(!value), text)).toBe(value);
  });

  it.each(['on', 'off', 'ture', 'y', '2', 'enabled'])('refuses %j instead of guessing', (text) => {
    expect(read(envBool(false), text)).toBe(`must be one of true, false, 1, 0, yes, no (got "${text}")`);
  });

  it('uses the default when unset', () => {
    expect(read(envBool(true), undefined)).toBe(true);
  });
});

describe('envInt', () => {
  const field = envInt({ min: 1, max: 10, default: 4 });

  it('reads whole numbers and falls back to the default', () => {
    expect(read(field, '7')).toBe(7);
    expect(read(field, undefined)).toBe(4);
  });

  it.each(['1.5', '1e1', '0x5', 'five', '', '99999999999999999999'])('refuses %j', (text) => {
    expect(read(field, text)).toBe(`must be a whole number (got ${JSON.stringify(text)})`);
  });

  it('enforces the bounds', () => {
    expect(read(field, '0')).toBe('must be at least 1 (got "0")');
    expect(read(field, '11')).toBe('must be at most 10 (got "11")');
  });
});

describe('envString, envEnum, envList', () => {
  it('envString is required without a default', () => {
    expect(read(envString(), undefined)).toBe('is required');
    expect(read(envString('x'), undefined)).toBe('x');
    expect(read(envString(), ' kept as is ')).toBe(' kept as is ');
  });

  it('envEnum matches case-insensitively and returns the listed spelling', () => {
    const field = envEnum(['fifo', 'fair'], 'fair');
    expect(read(field, 'FIFO')).toBe('fifo');
    expect(read(field, undefined)).toBe('fair');
    expect(read(field, 'lifo')).toBe('must be one of fifo, fair (got "lifo")');
  });

  it('envList splits on commas, trims and drops empty items', () => {
    expect(read(envList([]), ' a, b ,,c, ')).toEqual(['a', 'b', 'c']);
    expect(read(envList(['x']), undefined)).toEqual(['x']);
    expect(read(envList(['x']), ' , ')).toEqual([]);
  });

  it('shortens very long values in messages', () => {
    const message = read(envInt({ default: 1 }), 'x'.repeat(500));
    expect(typeof message === 'string' && message.length).toBeLessThan(100);
  });
});
