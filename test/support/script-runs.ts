import type Redis from 'ioredis';

/**
 * Script runs that did something since the last `CONFIG RESETSTAT`, from `INFO commandstats`: a
 * script's first run may be an EVALSHA that Redis refuses (not loaded yet), then an EVAL.
 */
export async function scriptRuns(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  let runs = 0;
  for (const [, calls, failed] of stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+),.*failed_calls=(\d+)/g)) runs += Number(calls) - Number(failed);
  return runs;
}
