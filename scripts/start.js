#!/usr/bin/env node
// Runs all of Ferry in one process tree for local use: Redis (REDIS_URL, or a local
// redis-server with an append-only file under ./data), the sink, ingest, scheduler and
// dispatcher. Ctrl-C stops everything gracefully. Run through `npm start`, which builds first.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const { mkdirSync, existsSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.join(__dirname, '..');
const SERVICES = [
  { name: 'sink', port: process.env.SINK_PORT || '4000' },
  { name: 'ingest', port: process.env.INGEST_PORT || '8080' },
  { name: 'scheduler', port: process.env.SCHEDULER_PORT || '8081' },
  { name: 'dispatcher', port: process.env.DISPATCHER_PORT || '8082' },
];

const children = [];
let stopping = false;

function fail(message) {
  process.stderr.write(`\nferry: ${message}\n\n`);
  shutdown(1);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port, host) {
  return new Promise((resolve) => {
    const socket = net.createConnection({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function waitUntil(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** REDIS_URL if given and reachable; else a local redis-server of our own; else a clear error. */
async function resolveRedis() {
  if (process.env.REDIS_URL) {
    const url = new URL(process.env.REDIS_URL);
    if (!(await canConnect(Number(url.port || 6379), url.hostname))) {
      fail(`REDIS_URL is set but nothing answers at ${url.hostname}:${url.port || 6379}. Start Redis there or unset REDIS_URL.`);
    }
    return process.env.REDIS_URL;
  }
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    fail(
      'Ferry needs Redis 6.2 or newer, and found none.\n' +
        '  Either point it at one:   REDIS_URL=redis://127.0.0.1:6379 npm start\n' +
        '  or install redis-server:  sudo apt-get install redis-server   (macOS: brew install redis)',
    );
  }
  const dir = path.join(ROOT, 'data', 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  // Accepted means durable: an append-only file, fsynced every second (see docs/operations.md).
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
      '--save', '', '--maxmemory-policy', 'noeviction'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push({ name: 'redis', child: redis });
  redis.once('exit', (code) => !stopping && fail(`redis-server exited (code ${code})`));
  if (!(await waitUntil(() => canConnect(port, '127.0.0.1'), 10_000))) fail('redis-server did not start within 10 s');
  console.log(`ferry: started redis-server on 127.0.0.1:${port} with data in ./data/redis`);
  return `redis://127.0.0.1:${port}`;
}

/** The Node.js flags a service runs with: `nodeFlags` in its package.json (docs/operations.md). */
function nodeFlags(name) {
  return require(path.join(ROOT, 'apps', name, 'package.json')).nodeFlags ?? [];
}

function startService({ name, port }, redisUrl) {
  const main = path.join(ROOT, 'apps', name, 'dist', 'main.js');
  if (!existsSync(main)) fail(`${main} is missing; run \`npm run build\` first (npm start does it for you)`);
  const env = { FERRY_ALLOW_PRIVATE_DESTINATIONS: 'true', ...process.env, REDIS_URL: redisUrl, PORT: port };
  const child = spawn(process.execPath, [...nodeFlags(name), main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push({ name, child });
  let resolveListening;
  const listening = new Promise((resolve) => (resolveListening = resolve));
  const prefix = `[${name}]`.padEnd(13);
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      process.stdout.write(`${prefix}${line}\n`);
      if (/listening/.test(line)) resolveListening();
    });
  }
  child.once('exit', (code) => !stopping && fail(`${name} exited (code ${code}); see its log lines above`));
  return listening;
}

function shutdown(code) {
  if (stopping) return;
  stopping = true;
  const services = children.filter((c) => c.name !== 'redis' && c.child.exitCode === null);
  const redis = children.find((c) => c.name === 'redis');
  for (const { child } of services) child.kill('SIGTERM');
  Promise.all(services.map(({ child }) => new Promise((resolve) => child.once('exit', resolve)))).then(() => {
    if (redis && redis.child.exitCode === null) {
      redis.child.once('exit', () => process.exit(code));
      redis.child.kill('SIGTERM');
    } else {
      process.exit(code);
    }
  });
}

async function main() {
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  const redisUrl = await resolveRedis();
  await Promise.all(SERVICES.map((service) => startService(service, redisUrl)));
  const ingest = `http://127.0.0.1:${SERVICES[1].port}`;
  const sink = `http://127.0.0.1:${SERVICES[0].port}`;
  console.log(`
  Ferry is running.  API: ${ingest}   Sink (demo receiver): ${sink}

  Publish a message for the sink:
    curl -s -X POST ${ingest}/v1/messages -H 'content-type: application/json' \\
      -d '{"destination":"${sink}/ok/hello","body":{"hello":"world"}}'

  Follow it:   curl -s ${ingest}/v1/messages/<messageId>
  The sink:    curl -s ${sink}/_sink/requests

  Ctrl-C stops everything.
`);
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
