import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from './wait';

const ROOT = join(__dirname, '..', '..');

export type ServiceName = 'ingest' | 'scheduler' | 'dispatcher' | 'sink';

/**
 * A real service process (`node apps/<name>/dist/main.js`), as an operator runs it. Its JSON
 * log lines are kept for assertions; the port comes from its "listening" line.
 */
export class ServiceProcess {
  readonly logs: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  port = 0;
  private exit: Promise<number | null>;

  private constructor(
    readonly name: ServiceName,
    private readonly child: ChildProcess,
  ) {
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.logs.push({ msg: line });
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => this.stderr.push(line));
  }

  static async start(name: ServiceName, env: Record<string, string>): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [join(ROOT, 'apps', name, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(name, child);
    try {
      const listening = await waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`${name} exited: ${service.stderr.join('\n')}`);
          return service.logs.find((line) => /listening/.test(String(line.msg)) && typeof line.port === 'number');
        },
        { timeoutMs: 20_000, what: `${name} to listen` },
      );
      service.port = listening.port as number;
      return service;
    } catch (err) {
      await service.kill9();
      throw err;
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** False once the process has exited, whatever the cause. */
  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get exited(): Promise<number | null> {
    return this.exit;
  }

  /** A crash: no handler runs. */
  async kill9(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await this.exit;
  }

  /** A graceful stop, as an orchestrator asks for one; answers the exit code. */
  async terminate(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exit;
  }

  logsWith(msg: string): Array<Record<string, unknown>> {
    return this.logs.filter((line) => line.msg === msg);
  }
}
