import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis, Result } from 'ioredis';

/**
 * Loads the Lua scripts in `packages/store/lua` once per client and registers each as an
 * ioredis command (EVALSHA with an automatic EVAL fallback after a Redis restart).
 * `-- @include name` lines are replaced by `lua/includes/name.lua`, each at most once.
 * Every command takes its key count first, then KEYS, then ARGV.
 */
const LUA_DIR = join(__dirname, '..', 'lua');
const INCLUDE = /^-- @include (\S+)\s*$/gm;

export const SCRIPT_NAMES = [
  'enqueue',
  'claim',
  'ack',
  'retry',
  'extend',
  'release',
  'start-check',
  'defer',
  'cancel',
  'promote',
  'lease-scan',
  'reap',
  'expire',
  'dest-settings',
  'dest-prune',
  'ready-recount',
  'status',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    ferryEnqueue(numKeys: number, ...args: Arg[]): Result<number[], Context>;
    /** The claim's reply as bytes (ioredis defines a `…Buffer` twin of every command): bodies are sent as stored. */
    ferryClaimBuffer(numKeys: number, ...args: Arg[]): Result<[Array<Buffer | number>, Buffer[], number, Buffer[]], Context>;
    ferryAck(numKeys: number, ...args: Arg[]): Result<number[], Context>;
    ferryRetry(numKeys: number, ...args: Arg[]): Result<number, Context>;
    ferryExtend(numKeys: number, ...args: Arg[]): Result<number, Context>;
    ferryRelease(numKeys: number, ...args: Arg[]): Result<number, Context>;
    ferryStartCheck(numKeys: number, ...args: Arg[]): Result<number, Context>;
    ferryDefer(numKeys: number, ...args: Arg[]): Result<number, Context>;
    ferryCancel(numKeys: number, ...args: Arg[]): Result<number, Context>;
    ferryPromote(numKeys: number, ...args: Arg[]): Result<Array<string | number>, Context>;
    ferryLeaseScan(numKeys: number, ...args: Arg[]): Result<Array<string | number>, Context>;
    ferryReap(numKeys: number, ...args: Arg[]): Result<[number, number], Context>;
    ferryExpire(numKeys: number, ...args: Arg[]): Result<number, Context>;
    ferryDestSettings(numKeys: number, ...args: Arg[]): Result<string[], Context>;
    ferryDestPrune(numKeys: number, ...args: Arg[]): Result<number, Context>;
    ferryReadyRecount(numKeys: number, ...args: Arg[]): Result<number, Context>;
    ferryStatus(numKeys: number, ...args: Arg[]): Result<Array<string | null>, Context>;
  }
}

/** `lease-scan` → `ferryLeaseScan` */
export function commandName(script: ScriptName): string {
  return 'ferry' + script.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
}

/** The script's source with its includes inlined. */
export function loadScript(script: ScriptName): string {
  const included = new Set<string>();
  const expand = (source: string): string =>
    source.replace(INCLUDE, (_, name: string) => {
      if (included.has(name)) return '';
      included.add(name);
      return expand(readFileSync(join(LUA_DIR, 'includes', `${name}.lua`), 'utf8'));
    });
  return expand(readFileSync(join(LUA_DIR, `${script}.lua`), 'utf8'));
}

const sources = new Map<ScriptName, string>();
const registered = new WeakSet<Redis>();

export function registerScripts(redis: Redis): void {
  if (registered.has(redis)) return;
  for (const script of SCRIPT_NAMES) {
    let lua = sources.get(script);
    if (lua === undefined) {
      lua = loadScript(script);
      sources.set(script, lua);
    }
    redis.defineCommand(commandName(script), { lua });
  }
  registered.add(redis);
}
