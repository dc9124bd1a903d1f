import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';

const START_TIMEOUT_MS = 10_000;

/** Temp folders of servers still running, removed by `removeRedisFoldersSync` on Ctrl-C. */
const folders = new Set<string>();

export function removeRedisFoldersSync(): void {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

/**
 * A fresh `redis-server` for one measured run: its own port and temp folder, no persistence (no
 * RDB snapshots, no AOF) so a fork or an fsync never lands inside a measurement. Ferry and every
 * baseline get the same kind of server, one each.
 */
export class RedisServer {
  private readonly clients: Redis[] = [];
  private admin: Redis | undefined;

  private constructor(
    readonly port: number,
    private readonly child: ManagedProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-bench-redis-'));
    folders.add(dir);
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
    const child = ManagedProcess.start({ name: 'redis-server', command: 'redis-server', args, env: { PATH: process.env.PATH ?? '' } });
    const server = new RedisServer(port, child, dir);
    try {
      await child.waitForLine((line) => (/Ready to accept connections/.test(line) ? true : undefined), START_TIMEOUT_MS, 'readiness');
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * A client of the bench's own (fills, INFO), closed with the server. Auto-pipelining turns a
   * burst of concurrent calls into a few socket writes, as Ferry's services do.
   */
  client(): Redis {
    const client = new Redis(this.url, { enableAutoPipelining: true, maxRetriesPerRequest: 1, lazyConnect: false });
    // Failures reach the bench through the commands that fail; the event would only print twice.
    client.on('error', () => undefined);
    this.clients.push(client);
    return client;
  }

  /** `INFO <section>` as a map of its fields. */
  async info(section: string): Promise<Record<string, string>> {
    const text = await this.adminClient().info(section);
    const fields: Record<string, string> = {};
    for (const line of text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
    }
    return fields;
  }

  async usedMemory(): Promise<number> {
    const used = Number((await this.info('memory')).used_memory);
    if (!Number.isFinite(used)) throw new Error('INFO memory has no used_memory');
    return used;
  }

  /** CPU the server has used so far, µs (see ManagedProcess.cpuMicros). */
  cpuMicros(): number | undefined {
    return this.child.cpuMicros();
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.disconnect();
    this.clients.length = 0;
    this.admin = undefined;
    await this.child.stop();
    rmSync(this.dir, { recursive: true, force: true });
    folders.delete(this.dir);
  }

  private adminClient(): Redis {
    this.admin ??= this.client();
    return this.admin;
  }
}
