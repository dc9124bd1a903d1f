import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from './free-port';
import { waitFor } from './wait';

export interface RedisServerOptions {
  /** Listen on this port rather than a free one: a server that comes up where clients already wait. */
  port?: number;
  /** Turn on the append-only file, with this fsync policy. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Run as a one-node Redis Cluster owning every slot, so cross-slot access is refused. */
  cluster?: boolean;
  /** More command-line options, e.g. `['--maxmemory', '64mb']`. */
  args?: string[];
}

/**
 * A real `redis-server` for one test file: its own port and temporary data folder, so tests
 * never touch a shared Redis. `kill9()` + `start()` simulate a crash and restart on the same
 * port and data.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'ferry-redis-'));

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? (await freePort()), options);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--daemonize', 'no'];
    args.push('--maxmemory-policy', 'noeviction');
    if (this.options.appendfsync) {
      args.push('--appendonly', 'yes', '--appendfsync', this.options.appendfsync);
    } else {
      args.push('--appendonly', 'no');
    }
    if (this.options.cluster) {
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(this.dir, 'nodes.conf'));
    }
    if (this.options.args) args.push(...this.options.args);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    // A server that exits at start (the port taken, say) fails the start at once, rather than
    // letting whatever else answers on the port pass for it.
    let onExit: (() => void) | undefined;
    const exitedAtStart = new Promise<never>((_, reject) => {
      onExit = () => reject(new Error(`redis-server on ${this.port} exited at start`));
      child.once('exit', onExit);
    });
    try {
      await Promise.race([waitFor(() => canConnect(this.port), { timeoutMs: 10_000, what: `redis-server on ${this.port}` }), exitedAtStart]);
    } catch (err) {
      child.kill('SIGKILL');
      this.child = undefined;
      throw err;
    } finally {
      child.off('exit', onExit!);
      exitedAtStart.catch(() => {});
    }
  }

  /** Crash: SIGKILL, no chance to write anything more. */
  async kill9(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.stopWith('SIGTERM');
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
