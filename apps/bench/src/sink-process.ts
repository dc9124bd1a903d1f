import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

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
const STOP_TIMEOUT_MS = 5_000;

/**
 * Runs the built sink in its own process, so the client's CPU time is not mixed with the server's.
 * The port comes from the sink's `{"msg":"sink listening","port":N}` line.
 */
export function startSinkProcess(env: Record<string, string> = {}): Promise<SinkProcess> {
  const child = spawn(process.execPath, [SINK_MAIN], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      clearTimeout(timer);
      void stop().finally(() => reject(err));
    };
    const timer = setTimeout(() => fail(new Error(`sink did not report its port within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`sink exited with ${code} before listening (is apps/sink built?)`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const port = listeningPort(line);
      if (port === undefined || child.pid === undefined) return;
      clearTimeout(timer);
      const pid = child.pid;
      resolve({ port, pid, cpuMicros: () => procCpuMicros(pid), stop });
    });
  });
}

function listeningPort(line: string): number | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return entry.msg === 'sink listening' && typeof entry.port === 'number' ? entry.port : undefined;
  } catch {
    return undefined;
  }
}

// Linux reports a process's CPU in /proc/<pid>/stat as utime and stime (fields 14 and 15), in
// clock ticks of 1/100 s (USER_HZ). Coarse, but a run costs the sink hundreds of ticks.
const MICROS_PER_TICK = 10_000;

function procCpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces, so count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * MICROS_PER_TICK : undefined;
  } catch {
    return undefined;
  }
}
