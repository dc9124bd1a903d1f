import { createUndiciClient } from '../clients/undici-client';
import { runTimedLoad } from '../load';
import { percentile } from '../percentile';
import type { RedisServer } from '../processes/redis-server';
import { perSecond } from '../results';
import { startRedis } from '../harness';
import { roundLabel } from '../rounds';
import { withScope, type Scope } from '../scope';
import type { ScenarioContext } from './scenario';
import type { Endpoint } from './systems';

export interface EndpointLoad {
  warmupMs: number;
  durationMs: number;
  connections: number;
}

export interface EndpointFigures {
  /** Requests answered 2xx in the measured stretch. */
  requests: number;
  /** Messages in them (requests × messages per request). */
  messages: number;
  elapsedMs: number;
  messagesPerSecond: number;
  requestP50Ms: number;
  requestP99Ms: number;
  /**
   * CPU per accepted message over the measured stretch, µs: the endpoint's process, Redis, and
   * the bench's own load generator (which shares the machine with them).
   */
  cpuMicrosPerMessage: { endpoint: number; redis: number | null; loadGenerator: number };
}

/**
 * POSTs `body` to the endpoint over `connections` keep-alive connections for a warm-up
 * (connections opened, JIT settled, Redis past its first allocations), then for the measured
 * duration.
 */
export async function measureEndpoint(
  ctx: ScenarioContext,
  target: { endpoint: Endpoint; path: string; redis?: RedisServer },
  body: string,
  messagesPerRequest: number,
  load: EndpointLoad,
): Promise<EndpointFigures> {
  const client = createUndiciClient({ connections: load.connections, requestTimeoutMs: 30_000 });
  const options = { url: `${target.endpoint.url}${target.path}`, body, concurrency: load.connections, signal: ctx.signal };
  try {
    ctx.progress.update('warming up');
    await runTimedLoad(client, { ...options, durationMs: load.warmupMs });
    const cpu = cpuMeter(target.endpoint, target.redis);
    const started = Date.now();
    const result = await runTimedLoad(client, {
      ...options,
      durationMs: load.durationMs,
      onProgress: (done) => ctx.progress.update(`${((Date.now() - started) / 1000).toFixed(0)} s, ${done * messagesPerRequest} messages accepted`),
    });
    const messages = result.completed * messagesPerRequest;
    return {
      requests: result.completed,
      messages,
      elapsedMs: result.elapsedMs,
      messagesPerSecond: perSecond(messages, result.elapsedMs),
      requestP50Ms: percentile(result.latenciesMs, 50),
      requestP99Ms: percentile(result.latenciesMs, 99),
      cpuMicrosPerMessage: cpu.perMessage(messages),
    };
  } finally {
    await client.close();
  }
}

function cpuMeter(endpoint: Endpoint, redis: RedisServer | undefined) {
  const endpointBefore = endpoint.process.cpuMicros() ?? NaN;
  const redisBefore = redis?.cpuMicros() ?? NaN;
  const ownBefore = process.cpuUsage();
  return {
    perMessage(messages: number) {
      const own = process.cpuUsage(ownBefore);
      const redisAfter = redis?.cpuMicros();
      return {
        endpoint: ((endpoint.process.cpuMicros() ?? NaN) - endpointBefore) / messages,
        redis: redisAfter === undefined ? null : (redisAfter - redisBefore) / messages,
        loadGenerator: (own.user + own.system) / messages,
      };
    },
  };
}

/** Starts an endpoint under test: with the run's own Redis, or one that needs none. */
export type StartEndpoint =
  | { withRedis: (scope: Scope, redis: RedisServer) => Promise<Endpoint> }
  | { alone: (scope: Scope) => Promise<Endpoint> };

export interface EndpointRound {
  /** For progress lines: `ingest: Ferry (round 2 of 3)`. */
  scenario: string;
  system: string;
  /** Used as the scope's name. */
  key: string;
  start: StartEndpoint;
  path: string;
  body: string;
  messagesPerRequest: number;
  rounds: number;
}

/**
 * One round of `alternate()` against an endpoint: its own fresh Redis (if it uses one) and
 * process, then the timed load.
 */
export function endpointRound(ctx: ScenarioContext, load: EndpointLoad, run: EndpointRound): (round: number) => Promise<EndpointFigures> {
  return (round) => {
    ctx.progress.step(`${run.scenario}: ${run.system}${roundLabel(round, run.rounds)}`);
    return withScope(ctx.scope, `${run.key}-${round}`, async (scope) => {
      const { path, body, messagesPerRequest } = run;
      if ('alone' in run.start) {
        const endpoint = await run.start.alone(scope);
        return measureEndpoint(ctx, { endpoint, path }, body, messagesPerRequest, load);
      }
      const redis = await startRedis(scope);
      const endpoint = await run.start.withRedis(scope, redis);
      return measureEndpoint(ctx, { endpoint, path, redis }, body, messagesPerRequest, load);
    });
  };
}
