import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  platform: string;
  node: string;
  redis: string;
}

export interface GitInfo {
  commit: string;
  /** Uncommitted changes were present: the figures are for the commit plus those. */
  dirty: boolean;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryBytes: os.totalmem(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: redisVersion(),
  };
}

/** `redis-server --version` prints "Redis server v=7.0.15 sha=… malloc=…". */
function redisVersion(): string {
  const text = run('redis-server', ['--version'], process.cwd());
  return text?.match(/v=(\S+)/)?.[1] ?? 'unknown';
}

/** The commit of the checkout the bench was built from; null outside a git checkout. */
export function gitInfo(): GitInfo | null {
  const repo = path.resolve(__dirname, '../../../..');
  const commit = run('git', ['rev-parse', 'HEAD'], repo)?.trim();
  if (commit === undefined || commit === '') return null;
  const status = run('git', ['status', '--porcelain'], repo);
  return { commit, dirty: status !== undefined && status.trim() !== '' };
}

function run(command: string, args: string[], cwd: string): string | undefined {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  } catch {
    return undefined;
  }
}

export function describeMachine(machine: MachineInfo): string {
  const gib = (machine.totalMemoryBytes / 2 ** 30).toFixed(1);
  return `${machine.cpuCount} × ${machine.cpuModel}, ${gib} GiB RAM, ${machine.platform}, node ${machine.node}, redis ${machine.redis}`;
}
