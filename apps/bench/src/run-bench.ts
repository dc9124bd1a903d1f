import type { Progress } from './progress';
import { formatShare, readCpuTicks, stolenShare } from './report/cpu-steal';
import type { ScenarioResult } from './results';
import type { PreparedScenario, ScenarioDefinition } from './scenarios/scenario';
import { Scope } from './scope';
import { abortReason } from './wait';

/**
 * Runs the chosen scenarios one after another (never side by side: they would share the CPU),
 * each within its time budget. A scenario that fails or overruns is reported as such, its
 * processes are stopped, and the bench goes on with the next.
 */
export async function runScenarios(definitions: readonly ScenarioDefinition[], smoke: boolean, progress: Progress): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const definition of definitions) {
    const ticks = readCpuTicks();
    const result = await runScenario(definition.prepare(smoke), progress);
    const stolen = stolenShare(ticks, readCpuTicks());
    if (stolen !== undefined) result.stolenCpuShare = stolen;
    const seconds = (result.durationMs / 1000).toFixed(1);
    const steal = stolen === undefined ? '' : `, ${formatShare(stolen)} of the CPU time stolen by the host`;
    progress.note(result.ok ? `${result.name}: done in ${seconds} s${steal}` : `${result.name}: FAILED after ${seconds} s: ${result.error ?? ''}`);
    results.push(result);
  }
  return results;
}

async function runScenario(scenario: PreparedScenario, progress: Progress): Promise<ScenarioResult> {
  const { name, config } = scenario;
  const budget = new AbortController();
  const timer = setTimeout(
    () => budget.abort(new Error(`${name} overran its budget of ${config.budgetMs / 1000} s and was stopped`)),
    config.budgetMs,
  );
  const scope = new Scope(name);
  const started = performance.now();
  const base = { name, config };
  try {
    const work = scenario.run({ signal: budget.signal, progress, scope });
    // Past the budget the run is abandoned mid-await; whatever it throws later goes nowhere.
    work.catch(() => undefined);
    const output = await Promise.race([work, rejectWhenAborted(budget.signal)]);
    return { ...base, ok: true, durationMs: performance.now() - started, ...output };
  } catch (err) {
    // After an overrun, the budget's message says more than the error it caused inside the run.
    const error = budget.signal.aborted ? abortReason(budget.signal) : err;
    return { ...base, ok: false, error: describe(error), durationMs: performance.now() - started, figures: {}, rows: [] };
  } finally {
    clearTimeout(timer);
    progress.clear();
    for (const failure of await scope.close()) progress.note(`  warning: stopping ${failure}`);
  }
}

function rejectWhenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(abortReason(signal)), { once: true }));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
