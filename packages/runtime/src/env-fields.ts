import { parseDuration } from '@ferry/contracts';
import { z } from 'zod';

/**
 * Field helpers for environment schemas. Each one reads a raw string (or nothing) and yields a
 * typed value, with an error message written for the person who set the variable: what was
 * expected and what they wrote. `parseEnv` prefixes the variable's name.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const accept = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const refuse = (message: string, raw: string): Parsed<never> => ({
  ok: false,
  message: `${message} (got ${quote(raw)})`,
});

/** Quoted and shortened, so one pasted blob does not bury the other errors. */
function quote(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw);
}

/**
 * The common shape: unset means the default (or "is required" without one), set means parse.
 * Exported within the package for variables with their own rules, such as `REDIS_URL`.
 */
export function envField<T>(parse: (raw: string) => Parsed<T>, fallback: T | undefined) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      if (raw === undefined) {
        if (fallback !== undefined) return fallback;
        ctx.addIssue({ code: 'custom', message: 'is required' });
        return z.NEVER;
      }
      const parsed = parse(raw);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    });
}

const WHOLE_NUMBER = /^-?\d+$/;

function parseWholeNumber(raw: string): number | undefined {
  const text = raw.trim();
  if (!WHOLE_NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

export interface IntOptions {
  min?: number;
  max?: number;
  default: number;
}

/** A whole number: `"1.5"`, `"1e3"` and `"0x10"` are refused rather than rounded or guessed. */
export function envInt({ min, max, default: fallback }: IntOptions) {
  return envField((raw) => {
    const value = parseWholeNumber(raw);
    if (value === undefined) return refuse('must be a whole number', raw);
    return checkRange(value, raw, { min, max });
  }, fallback);
}

function checkRange(value: number, raw: string, { min, max }: { min?: number; max?: number }): Parsed<number> {
  if (min !== undefined && value < min) return refuse(`must be at least ${min}`, raw);
  if (max !== undefined && value > max) return refuse(`must be at most ${max}`, raw);
  return accept(value);
}

const BOOLEANS: Record<string, boolean> = { true: true, false: false, 1: true, 0: false, yes: true, no: false };

/** Strict on purpose: `"ture"` or `"on"` fails loudly instead of silently meaning false. */
export function envBool(fallback: boolean) {
  return envField((raw) => {
    const value = BOOLEANS[raw.trim().toLowerCase()];
    return value === undefined ? refuse('must be one of true, false, 1, 0, yes, no', raw) : accept(value);
  }, fallback);
}

/** `"1500"` (milliseconds) or `"250ms"`, `"30s"`, `"5m"`, `"1h30m"`, `"2d"`; undefined otherwise. */
export function parseDurationMs(raw: string): number | undefined {
  const text = raw.trim().toLowerCase();
  if (WHOLE_NUMBER.test(text)) return parseWholeNumber(text);
  return parseDuration(text);
}

/** A duration in milliseconds. Negative values are refused unless `min` says otherwise. */
export function envDurationMs(fallback: number | string, { min = 0, max }: { min?: number; max?: number } = {}) {
  const fallbackMs = typeof fallback === 'number' ? fallback : parseDurationMs(fallback);
  if (fallbackMs === undefined) throw new TypeError(`envDurationMs: invalid default ${JSON.stringify(fallback)}`);
  return envField((raw) => {
    const value = parseDurationMs(raw);
    if (value === undefined) {
      return refuse('must be a whole number of milliseconds or a duration such as 250ms, 30s, 5m, 1h30m', raw);
    }
    return checkRange(value, raw, { min, max });
  }, fallbackMs);
}

/** Taken verbatim; without a default the variable is required. */
export function envString(fallback?: string) {
  return envField((raw) => accept(raw), fallback);
}

/** Matched case-insensitively (`LOG_LEVEL=INFO` works) and returned in the listed spelling. */
export function envEnum<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return envField((raw): Parsed<T[number]> => {
    const wanted = raw.trim().toLowerCase();
    const value = values.find((candidate) => candidate.toLowerCase() === wanted);
    return value === undefined ? refuse(`must be one of ${values.join(', ')}`, raw) : accept(value);
  }, fallback);
}

/** Comma separated; items are trimmed and empty ones dropped, so `"a, b,"` is `["a", "b"]`. */
export function envList(fallback: readonly string[]) {
  return envField(
    (raw) =>
      accept(
        raw
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== ''),
      ),
    [...fallback],
  );
}
