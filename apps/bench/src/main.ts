import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseCli, usage, UsageError, type CliOptions } from './cli';
import { killAllChildren } from './processes/managed-process';
import { removeRedisFoldersSync } from './processes/redis-server';
import { Progress } from './progress';
import { describeSteal } from './report/cpu-steal';
import { describeMachine, gitInfo, machineInfo } from './report/machine';
import { formatTable } from './report/format-table';
import { runScenarios } from './run-bench';
import { SCENARIOS } from './scenarios';
import { SETUP } from './scenarios/systems';

/**
 * `npm run bench`: measures Ferry next to its baselines in one run and prints the table. It
 * measures, it does not gate: missed targets still exit 0. It exits 1 only when a scenario could
 * not produce its figures (an error, an overrun), and 2 on a usage error.
 */
async function main(): Promise<void> {
  const names = SCENARIOS.map((s) => s.name);
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2), names);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${usage(SCENARIOS)}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(`${usage(SCENARIOS)}\n`);
    return;
  }

  const progress = new Progress();
  stopChildrenOnExit(progress);
  const machine = machineInfo();
  const git = gitInfo();
  const chosen = options.only === undefined ? SCENARIOS : options.only.flatMap((name) => SCENARIOS.filter((s) => s.name === name));
  const mode = options.smoke ? 'smoke' : 'full';
  progress.note(`ferry bench (${mode}): ${chosen.map((s) => s.name).join(', ')}`);

  const startedAt = new Date();
  const scenarios = await runScenarios(chosen, options.smoke, progress);
  const finishedAt = new Date();
  const report = { mode, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), args: process.argv.slice(2), machine, git, setup: SETUP, scenarios };

  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  const commit = git === null ? 'no git checkout' : `commit ${git.commit.slice(0, 12)}${git.dirty ? ' + uncommitted changes' : ''}`;
  process.stdout.write(
    [
      `Ferry bench, ${mode} run, ${startedAt.toISOString()}, ${commit}`,
      describeMachine(machine),
      '',
      formatTable(scenarios),
      ...withBlankBefore(scenarios.flatMap((s) => s.notes ?? []).join('\n')),
      ...withBlankBefore(describeSteal(scenarios)),
      '',
      `results: ${options.out}`,
      '',
    ].join('\n'),
  );
  process.exitCode = scenarios.every((s) => s.ok) ? 0 : 1;
  forceExitIfStuck(progress);
}

/** A paragraph after a blank line, or nothing when it is empty. */
function withBlankBefore(text: string): string[] {
  return text === '' ? [] : ['', text];
}

/** Ctrl-C (or a SIGTERM) must not leave redis-servers and services behind. */
function stopChildrenOnExit(progress: Progress): void {
  const interrupt = (signal: NodeJS.Signals): void => {
    progress.clear();
    const killed = killAllChildren();
    removeRedisFoldersSync();
    process.stderr.write(`\n${signal}: stopped ${killed} child process${killed === 1 ? '' : 'es'}; no results written\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // Whatever else ends the process (an uncaught throw), children go with it.
  process.once('exit', () => {
    killAllChildren();
    removeRedisFoldersSync();
  });
}

// Every scope is closed by now; a handle left open somewhere (a socket in a library) should not
// keep a finished bench alive. unref'd: a clean exit does not wait for it.
function forceExitIfStuck(progress: Progress): void {
  setTimeout(() => {
    progress.note('warning: something kept the bench alive after it finished; exiting');
    process.exit();
  }, 5_000).unref();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
