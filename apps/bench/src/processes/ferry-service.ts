import { readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../wait';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';

export type FerryServiceName = 'ingest' | 'dispatcher' | 'scheduler';

// Relative to dist/processes/ (and src/processes/): apps/bench/<dir>/processes → apps/<name>/dist.
const serviceDir = (name: FerryServiceName): string => path.resolve(__dirname, '../../..', name);
const serviceMain = (name: FerryServiceName): string => path.join(serviceDir(name), 'dist', 'main.js');

/** The Node.js flags the service is run with, as `npm start` runs it: `nodeFlags` in its package.json. */
export function nodeFlags(name: FerryServiceName): string[] {
  const manifest = JSON.parse(readFileSync(path.join(serviceDir(name), 'package.json'), 'utf8')) as { nodeFlags?: string[] };
  return manifest.nodeFlags ?? [];
}
const READY_TIMEOUT_MS = 20_000;

/**
 * Settings every measured Ferry service runs with. LOG_LEVEL=warn: the BullMQ baselines log
 * nothing per job, so Ferry should not pay for a log line per delivery either. Private
 * destinations are allowed because everything runs on 127.0.0.1.
 */
export const FERRY_BENCH_ENV: Record<string, string> = { LOG_LEVEL: 'warn', FERRY_ALLOW_PRIVATE_DESTINATIONS: 'true' };

export interface FerryService {
  name: FerryServiceName;
  /** The HTTP port: the API for ingest, the probes and metrics for the others. */
  port: number;
  process: ManagedProcess;
}

/**
 * Starts `node <its nodeFlags> apps/<name>/dist/main.js` as an operator would, with only the environment given
 * here (nothing inherited, so a FERRY_* variable in the caller's shell cannot skew a run). At
 * LOG_LEVEL=warn the services do not log their "listening" line, so the port is chosen here and
 * readiness is `/readyz` answering 200 (Redis reachable, service started).
 */
export async function startFerryService(name: FerryServiceName, env: Record<string, string>): Promise<FerryService> {
  const port = await freePort();
  const child = ManagedProcess.start({
    name,
    command: process.execPath,
    args: [...nodeFlags(name), serviceMain(name)],
    env: { PATH: process.env.PATH ?? '', ...FERRY_BENCH_ENV, ...env, PORT: String(port) },
  });
  try {
    await waitFor(
      async () => {
        if (!child.running) throw new Error(child.exitMessage('while starting (is it built?)'));
        return (await isReady(port)) ? true : undefined;
      },
      { timeoutMs: READY_TIMEOUT_MS, what: `${name} to answer /readyz`, intervalMs: 50 },
    );
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { name, port, process: child };
}

async function isReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    // Not listening yet.
    return false;
  }
}
