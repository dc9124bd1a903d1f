import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Every child this process started that has not exited yet, for the kill on Ctrl-C or exit. */
const live = new Set<ChildProcess>();

/**
 * SIGKILLs every child still running. Synchronous on purpose: it also runs from the process's
 * 'exit' event, where nothing asynchronous gets to run.
 */
export function killAllChildren(): number {
  const count = live.size;
  for (const child of live) child.kill('SIGKILL');
  return count;
}

const RECENT_LINES = 20;
const STOP_GRACE_MS = 5_000;

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  /** The whole environment: nothing is inherited unless the caller passes it. */
  env: Record<string, string>;
  /** Keep a pipe to the child's stdin (for commands; children may also exit when it closes). */
  stdin?: boolean;
}

/**
 * A child process whose output lines are kept (the last few, for error messages) and can be
 * waited for; stopped with SIGTERM, then SIGKILL after a grace period.
 */
export class ManagedProcess {
  private readonly recent: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();
  private readonly exit: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    live.add(child);
    this.exit = new Promise((resolve) => {
      child.once('exit', () => {
        live.delete(child);
        resolve();
      });
      // A spawn that fails (no such command) emits 'error' and never 'exit'.
      child.once('error', (err) => {
        live.delete(child);
        this.remember(`spawn failed: ${err.message}`);
        resolve();
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
  }

  static start(spec: ProcessSpec): ManagedProcess {
    const child = spawn(spec.command, spec.args, { env: spec.env, stdio: [spec.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    return new ManagedProcess(spec.name, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && live.has(this.child);
  }

  get exited(): Promise<void> {
    return this.exit;
  }

  /** Resolves with the first line `pick` accepts; rejects if the process exits or time runs out. */
  waitForLine<T>(pick: (line: string) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = (line: string): void => {
        const value = pick(line);
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms${this.recentOutput()}`));
      }, timeoutMs);
      this.listeners.add(listener);
      void this.exit.then(() => {
        if (!this.listeners.has(listener)) return;
        done();
        reject(new Error(this.exitMessage(`before ${what}`)));
      });
    });
  }

  /** Writes one line to the child's stdin (started with `stdin: true`). */
  send(line: string): void {
    if (!this.child.stdin) throw new Error(`${this.name} was started without stdin`);
    this.child.stdin.write(`${line}\n`);
  }

  exitMessage(when: string): string {
    const how = this.child.signalCode ?? `code ${this.child.exitCode ?? '?'}`;
    return `${this.name} exited (${how}) ${when}${this.recentOutput()}`;
  }

  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }

  /** User + system CPU the process has used so far, in µs; undefined where /proc is missing. */
  cpuMicros(): number | undefined {
    return this.child.pid === undefined ? undefined : procCpuMicros(this.child.pid);
  }

  private onLine(line: string): void {
    this.remember(line);
    for (const listener of this.listeners) listener(line);
  }

  private remember(line: string): void {
    this.recent.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
  }

  private recentOutput(): string {
    return this.recent.length === 0 ? '' : `; its last output:\n  ${this.recent.join('\n  ')}`;
  }
}

// Linux reports a process's CPU in /proc/<pid>/stat as utime and stime (fields 14 and 15), in
// clock ticks of 1/100 s (USER_HZ). Coarse, but a measured run costs hundreds of ticks.
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
