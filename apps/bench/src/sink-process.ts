import path from 'node:path';
import { ManagedProcess } from './processes/managed-process';

export interface SinkProcess {
  port: number;
  pid: number;
  /** User + system CPU the sink has used so far, in µs; undefined where /proc is missing. */
  cpuMicros(): number | undefined;
  stop(): Promise<void>;
}

// Relative to this file in both src/ (tests) and dist/ (built): apps/bench/<dir> → apps/sink/dist.
const SINK_MAIN = path.resolve(__dirname, '../../sink/dist/main.js');
const START_TIMEOUT_MS = 10_000;

/**
 * Runs the built sink in its own process, so the client's CPU time is not mixed with the server's.
 * The port comes from the sink's `{"msg":"sink listening","port":N}` line.
 */
export async function startSinkProcess(env: Record<string, string> = {}): Promise<SinkProcess> {
  const child = ManagedProcess.start({
    name: 'sink',
    command: process.execPath,
    args: [SINK_MAIN],
    // Nothing inherited but PATH, as for Ferry's services: a NODE_OPTIONS or SINK_* variable in
    // the caller's shell must not change what every scenario's sink costs.
    env: { PATH: process.env.PATH ?? '', ...env, PORT: '0', SINK_HOST: '127.0.0.1' },
  });
  try {
    const port = await child.waitForLine(listeningPort, START_TIMEOUT_MS, '"sink listening" line (is apps/sink built?)');
    const pid = child.pid;
    if (pid === undefined) throw new Error('sink has no pid');
    return { port, pid, cpuMicros: () => child.cpuMicros(), stop: () => child.stop() };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

function listeningPort(line: string): number | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return entry.msg === 'sink listening' && typeof entry.port === 'number' ? entry.port : undefined;
  } catch {
    return undefined;
  }
}
