/**
 * A shared VM's speed drifts over minutes: a figure measured once, next to a baseline measured a
 * minute later, can be off by a fifth either way. So each system is measured `rounds` times,
 * alternating (A, B, C, then A, B, C again), and the run with the median figure stands for it.
 * Every run is kept for the JSON.
 */
export async function alternate<Run extends Record<string, unknown>>(
  rounds: number,
  systems: { [K in keyof Run]: (round: number) => Promise<Run[K]> },
): Promise<{ [K in keyof Run]: Array<Run[K]> }> {
  const names = Object.keys(systems) as Array<keyof Run>;
  const runs = Object.fromEntries(names.map((name) => [name, []])) as unknown as { [K in keyof Run]: Array<Run[K]> };
  for (let round = 1; round <= rounds; round++) {
    for (const name of names) runs[name].push(await systems[name](round));
  }
  return runs;
}

/** The run whose figure is the median (the lower middle one of an even count). */
export function medianRun<T>(runs: readonly T[], figure: (run: T) => number): T {
  if (runs.length === 0) throw new Error('no runs to take the median of');
  const sorted = [...runs].sort((a, b) => figure(a) - figure(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** `round 2 of 3` for progress lines, nothing when there is one round. */
export function roundLabel(round: number, rounds: number): string {
  return rounds > 1 ? ` (round ${round} of ${rounds})` : '';
}
