import { setTimeout as delay } from 'node:timers/promises';
import { Redis, ReplyError } from 'ioredis';
import { FailureLog } from './failure-log';
import { withTimeout } from './with-timeout';
import type { Logger } from './logger';

export { Redis };

export interface RedisClientOptions {
  /** Shown in `CLIENT LIST` as `ferry-<name>`, so an operator can tell who holds a connection. */
  name: string;
  /** For clients that issue blocking commands (BLMOVE, BZPOPMIN…), which may wait indefinitely. */
  blocking?: boolean;
  log: Logger;
  /**
   * Longest wait for a reply, after which the command fails as in an outage; none when unset.
   * Only for a client whose commands may be given up on: one that Redis runs late anyway must
   * not leave its effect unused (a claim's leases, an outcome written).
   */
  commandTimeoutMs?: number;
}

/**
 * The ingest's and the scheduler's reply timeout. A Redis that stopped answering without
 * closing its connections (frozen, or cut off by the network) would otherwise leave their
 * commands waiting for ever: a publish unanswered, a scheduler step silent. Far above any
 * script's run: the longest, a shard's first ready count on a large keyspace, takes about half a
 * second a million keys, and does nothing when run again (ready-recount.lua). The dispatcher
 * has none: a claim that timed out would still lease its batch, unsent until the leases expire,
 * and an outcome written late would be taken for a lost lease; it waits for the replies.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 10_000;

/** Reconnect delay: 50 ms doubling to 2 s, so a restart of Redis is noticed fast but not hammered. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(2_000, 50 * 2 ** Math.min(attempt - 1, 6));
}

export function createRedis(url: string, { name, blocking = false, log, commandTimeoutMs }: RedisClientOptions): Redis {
  const redis = new Redis(url, {
    connectionName: `ferry-${name}`,
    lazyConnect: false,
    // A normal command fails fast while Redis is down, so callers can answer 503 or retry on their
    // own schedule; a blocking command is expected to wait, so it must not be failed by a retry cap.
    maxRetriesPerRequest: blocking ? null : 1,
    commandTimeout: blocking ? undefined : commandTimeoutMs,
    // No auto-pipelining (decisions/0005): commands are still sent without waiting for earlier
    // replies, each in its own write unless inOneWrite() groups them. ioredis's auto-pipelining
    // builds an object per event-loop turn that keeps what it touched alive past
    // young-generation collections; it cost the ingest and dispatcher processes 15-20 % more
    // CPU per message and multi-millisecond pauses.
    enableAutoPipelining: false,
    retryStrategy: reconnectDelayMs,
  });

  // While Redis is down every reconnect attempt fails; one line per interval says as much.
  const failures = new FailureLog({ log, fields: { connection: name }, failed: 'redis connection error', recovered: 'redis connection restored' });
  redis.on('error', (err: Error) => failures.failed(err));
  redis.on('ready', () => failures.succeeded());
  return redis;
}

/**
 * Runs `send`, which issues commands on `redis` without waiting for them, and hands all of them
 * to the socket in one write instead of one write each. On the VMs measured a write costs the
 * sender tens of µs, so a claim issued after the pending acks and a few idle-shard look-ups
 * used to leave up to 50 µs after its turn came (docs/performance-log.md). While `redis` is not
 * connected its commands are queued by ioredis and `send` runs as it is.
 */
export function inOneWrite<T>(redis: Redis, send: () => T): T {
  const stream = redis.status === 'ready' ? redis.stream : undefined;
  stream?.cork();
  try {
    return send();
  } finally {
    stream?.uncork();
  }
}

// Oldest release Ferry supports: 6.2 brought commands a queue on Redis leans on (LMOVE, GETDEL,
// ZRANGE … BYSCORE LIMIT).
const MIN_VERSION = [6, 2] as const;

export interface RedisServerInfo {
  version: string;
  /** Undefined when `CONFIG` is disabled or renamed, as on many managed services. */
  maxmemoryPolicy: string | undefined;
  /** `yes` or `no`; undefined when `CONFIG` cannot be read. */
  appendonly: string | undefined;
}

/**
 * Refuses a Redis that is too old, and warns about one that may evict queued messages or keeps
 * no append-only file (a restart of Redis would lose every accepted message).
 */
export async function checkRedis(redis: Redis, log: Logger): Promise<RedisServerInfo> {
  const info = await redis.info('server');
  const version = /^redis_version:(\S+)/m.exec(info)?.[1];
  if (version === undefined) throw new Error('Cannot read redis_version from INFO server');
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1])) {
    throw new Error(`Redis ${version} is too old: Ferry needs Redis ${MIN_VERSION.join('.')} or newer`);
  }

  const maxmemoryPolicy = await readConfig(redis, 'maxmemory-policy', log);
  // Under memory pressure any other policy may delete keys, and a deleted key is a lost message.
  if (maxmemoryPolicy !== undefined && maxmemoryPolicy !== 'noeviction') {
    log.warn({ maxmemoryPolicy }, 'redis maxmemory-policy is not noeviction: queued messages may be evicted');
  }
  const appendonly = await readConfig(redis, 'appendonly', log);
  if (appendonly === 'no') {
    log.warn({ appendonly }, 'redis keeps no append-only file: a restart of Redis loses the messages it holds (docs/operations.md)');
  }
  return { version, maxmemoryPolicy, appendonly };
}

/** One `CONFIG GET` value; undefined, with a debug line, where CONFIG is disabled. */
async function readConfig(redis: Redis, name: string, log: Logger): Promise<string | undefined> {
  try {
    const reply = await redis.config('GET', name);
    const value = Array.isArray(reply) ? reply[1] : undefined;
    return typeof value === 'string' ? value : undefined;
  } catch (err) {
    log.debug({ err }, `cannot read ${name} (CONFIG disabled?); skipping its check`);
    return undefined;
  }
}

/**
 * Whether Redis answers PING within `timeoutMs` (1 s unless given): what `/readyz` reports. A
 * probe must get its 503 in time, not a timeout of its own, while Redis is down or stalled.
 */
export async function answersPing(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  try {
    return (await withTimeout(redis.ping(), timeoutMs, () => new Error(`no PONG within ${timeoutMs} ms`))) === 'PONG';
  } catch {
    return false;
  }
}

const PING_INTERVAL_MS = 100;

/**
 * Resolves once Redis answers PING; throws after `timeoutMs` with the last connection error, so a
 * service started before Redis waits a little and a misconfigured one fails with a clear reason.
 */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let reason = `no answer within ${timeoutMs} ms`;
  // The connection error ("ECONNREFUSED …") says more than the command error it causes.
  let connectionError: Error | undefined;
  const onError = (err: Error) => {
    connectionError = err;
  };
  redis.on('error', onError);
  try {
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      let answered = false;
      try {
        // A blocking client (no retry cap) would wait for ever, so each PING gets the time left.
        await withTimeout(redis.ping(), remaining, () => new Error(`no answer within ${remaining} ms`));
        answered = true;
      } catch (err) {
        reason = (connectionError ?? (err instanceof Error ? err : undefined))?.message ?? String(err);
      }
      if (answered && (await hasDatabase(redis))) return;
      await delay(Math.min(PING_INTERVAL_MS, Math.max(0, deadline - Date.now())));
    }
  } finally {
    redis.off('error', onError);
  }
  throw new Error(`Redis at ${describeServer(redis)} is not reachable: ${reason}`);
}

/**
 * Selects the URL's database once more; throws, with no more waiting, if Redis has no such
 * database. ioredis reports a failed SELECT on connecting only as an error event and carries on
 * in database 0, among whatever else is kept there. False when the connection failed meanwhile.
 */
async function hasDatabase(redis: Redis): Promise<boolean> {
  const { db } = redis.options;
  if (!db) return true;
  try {
    // Bounded like the PING before it: a blocking client's commands wait for a reconnect.
    await withTimeout(redis.select(db), PING_INTERVAL_MS * 10, () => new Error('no answer to SELECT'));
    return true;
  } catch (err) {
    if (!(err instanceof ReplyError)) return false;
    throw new Error(`Redis at ${describeServer(redis)} has no database ${db}: ${(err as Error).message}`);
  }
}

/** `redis://user@host:port/db`, never with the password. */
function describeServer(redis: Redis): string {
  const { host, port, db, username, tls } = redis.options;
  const user = username ? `${encodeURIComponent(username)}@` : '';
  return `${tls ? 'rediss' : 'redis'}://${user}${host}:${port}${db ? `/${db}` : ''}`;
}
