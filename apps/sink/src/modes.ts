/**
 * The request path picks how the sink answers, so one sink (one origin) can stand in for many
 * destinations: `/<mode>/<parameter>/anything-else`. Unknown first segments answer 200.
 */
export type Mode =
  | { kind: 'ok' }
  | { kind: 'status'; code: number }
  | { kind: 'flaky'; failures: number }
  | { kind: 'slow'; ms: number }
  | { kind: 'hang' }
  /** Answers 200 at once, then sends its body a byte every `ms` and never ends it. */
  | { kind: 'drip'; ms: number }
  | { kind: 'random-fail'; percent: number };

export type ModeResult = { ok: true; mode: Mode } | { ok: false; error: string };

// setTimeout fires at once for delays above 2^31-1 ms, so long waits are refused, not mangled.
const MAX_SLOW_MS = 600_000;
// A faster drip would be a flood, not a trickle.
const MIN_DRIP_MS = 10;
const MAX_FLAKY_FAILURES = 1_000_000;

const INTEGER = /^\d{1,9}$/;
const PERCENT = /^\d{1,3}(\.\d+)?$/;

export function parseMode(pathname: string): ModeResult {
  const [, name, parameter] = pathname.split('/');
  switch (name) {
    case 'status':
      return parseStatus(parameter);
    case 'flaky':
      return parseInteger(parameter, 'flaky', 0, MAX_FLAKY_FAILURES, (failures) => ({ kind: 'flaky', failures }));
    case 'slow':
      return parseInteger(parameter, 'slow', 0, MAX_SLOW_MS, (ms) => ({ kind: 'slow', ms }));
    case 'random-fail':
      return parsePercent(parameter);
    case 'hang':
      return { ok: true, mode: { kind: 'hang' } };
    case 'drip':
      return parseInteger(parameter, 'drip', MIN_DRIP_MS, MAX_SLOW_MS, (ms) => ({ kind: 'drip', ms }));
    default:
      return { ok: true, mode: { kind: 'ok' } };
  }
}

// 1xx are not final answers and node refuses codes outside 100-999, so only 200-599 are served.
function parseStatus(parameter: string | undefined): ModeResult {
  if (parameter === undefined || !/^\d{3}$/.test(parameter)) {
    return { ok: false, error: '/status/<code> needs a three-digit status code' };
  }
  const code = Number(parameter);
  if (code < 200 || code > 599) return { ok: false, error: '/status/<code> serves codes 200-599' };
  return { ok: true, mode: { kind: 'status', code } };
}

function parseInteger(
  parameter: string | undefined,
  name: string,
  min: number,
  max: number,
  build: (value: number) => Mode,
): ModeResult {
  const value = parameter !== undefined && INTEGER.test(parameter) ? Number(parameter) : NaN;
  if (!(value >= min && value <= max)) {
    return { ok: false, error: `/${name}/<n> needs an integer from ${min} to ${max}` };
  }
  return { ok: true, mode: build(value) };
}

function parsePercent(parameter: string | undefined): ModeResult {
  const percent = parameter !== undefined && PERCENT.test(parameter) ? Number(parameter) : NaN;
  if (!(percent >= 0 && percent <= 100)) {
    return { ok: false, error: '/random-fail/<percent> needs a number from 0 to 100' };
  }
  return { ok: true, mode: { kind: 'random-fail', percent } };
}
