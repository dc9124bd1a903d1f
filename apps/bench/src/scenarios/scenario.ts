import type { Progress } from '../progress';
import type { ScenarioOutput } from '../results';
import type { Scope } from '../scope';

export interface ScenarioContext {
  /** Aborts when the scenario's budget runs out (or the bench is interrupted). */
  signal: AbortSignal;
  progress: Progress;
  /** Everything the scenario starts is tied to this scope and stopped when it ends. */
  scope: Scope;
}

/** One scenario: its sizes in a full and in a smoke run, and how it measures. */
export interface Scenario<Config extends { budgetMs: number }> {
  name: string;
  /** A line for `--help`. */
  summary: string;
  config(smoke: boolean): Config;
  run(ctx: ScenarioContext, config: Config): Promise<ScenarioOutput>;
}

/** A scenario with its config chosen, ready to run; what the runner holds. */
export interface PreparedScenario {
  name: string;
  config: { budgetMs: number };
  run(ctx: ScenarioContext): Promise<ScenarioOutput>;
}

/** Scenarios differ in their config types; this hides each one's behind a common face. */
export interface ScenarioDefinition {
  name: string;
  summary: string;
  prepare(smoke: boolean): PreparedScenario;
}

export function defineScenario<Config extends { budgetMs: number }>(scenario: Scenario<Config>): ScenarioDefinition {
  return {
    name: scenario.name,
    summary: scenario.summary,
    prepare(smoke) {
      const config = scenario.config(smoke);
      return { name: scenario.name, config, run: (ctx) => scenario.run(ctx, config) };
    },
  };
}
