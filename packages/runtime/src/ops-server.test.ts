import { Counter, createMetricsRegistry } from './metrics';
import { createMemoryLogger } from './memory-logger';
import { createOpsHandler, startOpsServer, type OpsServer } from './ops-server';

describe('ops server', () => {
  const registry = createMetricsRegistry({ service: 'scheduler', collectDefault: false });
  const ticks = new Counter({ name: 'ferry_scheduler_ticks_total', help: 'Scheduler ticks', registers: [registry] });
  let readiness: () => Promise<boolean> | boolean = () => true;
  let server: OpsServer;
  let base: string;

  beforeAll(async () => {
    const handler = createOpsHandler({ registry, isReady: () => readiness() });
    server = await startOpsServer({ port: 0, host: '127.0.0.1', handler, log: createMemoryLogger().log });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  it('listens on the free port it picked', () => {
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers /livez while the process is up', async () => {
    const res = await fetch(`${base}/livez`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when ready', async () => {
    readiness = async () => true;
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready' });
  });

  it('answers /readyz with 503 when not ready or when the check throws', async () => {
    readiness = () => false;
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not_ready' });

    readiness = async () => {
      throw new Error('redis down');
    };
    const failing = await fetch(`${base}/readyz?verbose=1`);
    expect(failing.status).toBe(503);
    expect(await failing.json()).toEqual({ status: 'not_ready' });
  });

  it('serves the registry on /metrics in the Prometheus text format', async () => {
    ticks.inc(2);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('ferry_scheduler_ticks_total{service="scheduler"} 2');
  });

  it('answers unknown paths with a 404 error envelope and a request id', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/nope']] as const) {
      const res = await fetch(`${base}${path}`, { method });
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
      expect(body).toEqual({
        error: { code: 'NOT_FOUND', message: `No route for ${method} ${path}`, requestId: expect.stringMatching(/^req_[0-9a-f]{16}$/) },
      });
      expect(res.headers.get('x-request-id')).toBe(body.error.requestId);
    }
  });

  it('answers another method on a probe path with 405 and the methods it takes, as the ingest does', async () => {
    for (const path of ['/livez', '/readyz', '/metrics']) {
      const res = await fetch(`${base}${path}`, { method: 'POST' });
      expect([res.status, res.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
    }
  });

  it('leaves unknown paths to the caller when mounted elsewhere', () => {
    const handler = createOpsHandler({ registry, isReady: () => true });
    const req = { method: 'GET', url: '/v1/messages' } as Parameters<typeof handler>[0];
    expect(handler(req, {} as Parameters<typeof handler>[1])).toBe(false);
  });
});

describe('startOpsServer close()', () => {
  it('closes promptly despite keep-alive connections and stops answering', async () => {
    const handler = createOpsHandler({ registry: createMetricsRegistry({ service: 't', collectDefault: false }), isReady: () => true });
    const server = await startOpsServer({ port: 0, host: '127.0.0.1', handler, log: createMemoryLogger().log });
    const url = `http://127.0.0.1:${server.port}/livez`;
    // fetch keeps the connection open for reuse, which is what a probe or Prometheus does too.
    expect((await fetch(url, { headers: { connection: 'keep-alive' } })).status).toBe(200);

    const startedAt = Date.now();
    await server.close();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    await expect(fetch(url)).rejects.toThrow();
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('rejects when the port is taken', async () => {
    const log = createMemoryLogger().log;
    const handler = () => false;
    const first = await startOpsServer({ port: 0, host: '127.0.0.1', handler, log });
    try {
      await expect(startOpsServer({ port: first.port, host: '127.0.0.1', handler, log })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
