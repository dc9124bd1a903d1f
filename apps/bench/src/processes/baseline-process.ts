import path from 'node:path';
import { nodeFlags } from './ferry-service';
import { ManagedProcess } from './managed-process';

export type BaselineName = 'bullmq-endpoint' | 'bullmq-worker' | 'noop-endpoint' | 'undici-direct';

const baselineMain = (name: BaselineName): string => path.resolve(__dirname, '..', 'baselines', `${name}.js`);
const READY_TIMEOUT_MS = 20_000;

/**
 * The HTTP endpoints run with the Node.js flags Ferry's ingest runs with, so that the ingest
 * ratios compare the code that answers, not V8's settings: a team could set them too.
 */
const ENDPOINTS: ReadonlySet<BaselineName> = new Set(['bullmq-endpoint', 'noop-endpoint']);
const flagsOf = (name: BaselineName): string[] => (ENDPOINTS.has(name) ? nodeFlags('ingest') : []);

export interface BaselineProcess {
  name: BaselineName;
  /** The HTTP port for the endpoints; undefined for processes without a server. */
  port: number | undefined;
  process: ManagedProcess;
}

/**
 * Starts a baseline from dist/baselines in a process of its own, as Ferry's services run. Each
 * announces itself with one JSON line: `{"msg":"listening","port":N}` or `{"msg":"ready"}`.
 * Their stdin stays open: a baseline exits when it closes, so none outlives a killed bench.
 */
export async function startBaseline(name: BaselineName, env: Record<string, string>): Promise<BaselineProcess> {
  const child = ManagedProcess.start({
    name,
    command: process.execPath,
    args: [...flagsOf(name), baselineMain(name)],
    env: { PATH: process.env.PATH ?? '', ...env },
    stdin: true,
  });
  try {
    const port = await child.waitForLine(announcedPort, READY_TIMEOUT_MS, 'ready line');
    return { name, port: port === 0 ? undefined : port, process: child };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** The port of a "listening" line, 0 for a "ready" line, undefined for anything else. */
function announcedPort(line: string): number | undefined {
  const entry = parseLine(line);
  if (entry?.msg === 'listening' && typeof entry.port === 'number') return entry.port;
  return entry?.msg === 'ready' ? 0 : undefined;
}

export function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
