#!/usr/bin/env node
// Runs all of Ferry in one process tree for local use: Redis (REDIS_URL, or a local
// redis-server with an append-only file under ./data), the sink, ingest, scheduler and
// dispatcher, each listening on 127.0.0.1 only. Ctrl-C (or SIGTERM, or closing the terminal)
// stops everything gracefully and in order. Run through `npm start`, which builds first.
//
// The children run in process groups of their own, so a Ctrl-C in the terminal reaches this
// script alone and it stops them one at a time: a service that got the terminal's SIGINT and
// then this script's SIGTERM would take the second signal as "exit now".
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const { mkdirSync, existsSync } = require('node:fs');
const http = require('node:http');
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
// Who stops first: the API stops taking messages, then the dispatcher and scheduler finish what
// is in flight (to the sink, among others), then the sink; Redis last.
const STOP_ORDER = [['ingest'], ['dispatcher', 'scheduler'], ['sink'], ['redis']];

const children = [];
let stopping = false;
/** When the first signal came: under `npm start` one Ctrl-C arrives twice (from the terminal, and passed on by npm). */
let stoppingSince = 0;
const SAME_SIGNAL_MS = 1_000;
/** Log levels at which a service does not log its "listening" line (an info line). */
const QUIET_LEVELS = new Set(['warn', 'error', 'fatal', 'silent']);

/**
 * Says what went wrong and stops everything. Never resolves, so `return fail(…)` (or `await`)
 * ends the step that found the problem instead of letting it go on.
 */
function fail(message) {
  process.stderr.write(`\nferry: ${message}\n\n`);
  void shutdown(1);
  return new Promise(() => {});
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

/** Whether GET `url` answers 200 within a second. */
function answers200(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
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
    if (!URL.canParse(process.env.REDIS_URL)) return fail(`REDIS_URL is not a URL (${process.env.REDIS_URL}); give one like redis://127.0.0.1:6379`);
    const url = new URL(process.env.REDIS_URL);
    // An IPv6 host comes in brackets ([::1]), which a socket does not take.
    if (!(await canConnect(Number(url.port || 6379), url.hostname.replace(/^\[(.*)\]$/, '$1')))) {
      return fail(`REDIS_URL is set but nothing answers at ${url.hostname}:${url.port || 6379}. Start Redis there or unset REDIS_URL.`);
    }
    return process.env.REDIS_URL;
  }
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return fail(
      'Ferry needs Redis 6.2 or newer, and found none.\n' +
        '  Either point it at one:   REDIS_URL=redis://127.0.0.1:6379 npm start\n' +
        '  or install redis-server:  sudo apt-get install redis-server   (macOS: brew install redis)',
    );
  }
  const dir = path.join(ROOT, 'data', 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  // Accepted means durable: an append-only file, fsynced every second (see docs/operations.md).
  // Warnings and errors only (a damaged append-only file, say), with the services' prefix style.
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
      '--save', '', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  children.push({ name: 'redis', child: redis });
  printLines('redis', redis);
  redis.once('exit', (code) => !stopping && fail(`redis-server exited (code ${code}); its lines above say why (data in ./data/redis)`));
  if (!(await waitUntil(() => canConnect(port, '127.0.0.1'), 10_000))) return fail('redis-server did not start within 10 s');
  console.log(`ferry: started redis-server on 127.0.0.1:${port} with data in ./data/redis`);
  return `redis://127.0.0.1:${port}`;
}

/** The Node.js flags a service runs with: `nodeFlags` in its package.json (docs/operations.md). */
function nodeFlags(name) {
  return require(path.join(ROOT, 'apps', name, 'package.json')).nodeFlags ?? [];
}

function startService({ name, port }, redisUrl) {
  const main = path.join(ROOT, 'apps', name, 'dist', 'main.js');
  if (!existsSync(main)) return fail(`${main} is missing; run \`npm run build\` first (npm start does it for you)`);
  // Private destinations are allowed so the local sink can be reached; then nothing may listen
  // beyond this machine, or anyone on the network could make Ferry fetch internal URLs for them:
  // an exported FERRY_HOST or SINK_HOST does not count here.
  const env = {
    FERRY_ALLOW_PRIVATE_DESTINATIONS: 'true',
    ...process.env,
    FERRY_HOST: '127.0.0.1',
    SINK_HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    PORT: port,
  };
  const child = spawn(process.execPath, [...nodeFlags(name), main], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const entry = { name, child, started: false };
  children.push(entry);
  // Started once the service says so: "listening" (the sink: "sink listening"), logged after
  // its work has begun, not the probes server's "ops server listening" before it. At a
  // LOG_LEVEL that hides that line, once its /readyz answers 200 (the sink logs it at any level).
  const started = new Promise((resolve) => {
    const up = () => {
      entry.started = true;
      resolve();
    };
    printLines(name, child, (line) => {
      if (/"msg":"(sink )?listening"/.test(line)) up();
    });
    if (name !== 'sink' && QUIET_LEVELS.has(String(process.env.LOG_LEVEL).trim().toLowerCase())) {
      void waitUntil(() => answers200(`http://127.0.0.1:${port}/readyz`), 60_000).then((ready) => ready && up());
    }
  });
  child.once('exit', (code) => !stopping && fail(`${name} exited (code ${code}); see its log lines above`));
  return started;
}

/** Copies a child's output lines to ours, prefixed with its name. */
function printLines(name, child, onLine = () => {}) {
  const prefix = `[${name}]`.padEnd(13);
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      process.stdout.write(`${prefix}${line}\n`);
      onLine(line);
    });
  }
}

/** Whether the child is a running process (a spawn that failed has no pid, and must not be signalled). */
function isRunning(child) {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

function stopChild({ child }) {
  if (!isRunning(child)) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

/**
 * Stops the children in STOP_ORDER and exits with `code`, or 1 if a service did not stop
 * cleanly (its drain deadline passed, or a signal ended it). A second signal meanwhile (not
 * the same Ctrl-C arriving twice) is passed on to the services still running, which then exit
 * at once, as each does alone.
 */
async function shutdown(code) {
  if (stopping) {
    if (Date.now() - stoppingSince < SAME_SIGNAL_MS) return;
    for (const { name, child } of children) if (name !== 'redis' && isRunning(child)) child.kill('SIGTERM');
    return;
  }
  stopping = true;
  stoppingSince = Date.now();
  for (const names of STOP_ORDER) {
    await Promise.all(children.filter((c) => names.includes(c.name)).map(stopChild));
  }
  // A service stopped before it was up (a Ctrl-C during start) may die of the signal: not unclean.
  const unclean = children.filter(
    ({ name, child, started }) => name !== 'redis' && child.exitCode !== 0 && (started || child.signalCode === null),
  );
  process.exit(code || (unclean.length > 0 ? 1 : 0));
}

async function main() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(0));
  // A reader that has gone (`npm start | tee log` with tee stopped, a closed terminal) fails our
  // writes; the lines are lost, but the services must still stop as asked, not be killed.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  // Should this script end any other way, its children (in groups of their own) must not outlive it.
  process.on('exit', () => {
    for (const { child } of children) if (isRunning(child)) child.kill('SIGKILL');
  });
  const redisUrl = await resolveRedis();
  await Promise.all(SERVICES.map((service) => startService(service, redisUrl)));
  const ingest = `http://127.0.0.1:${SERVICES[1].port}`;
  const sink = `http://127.0.0.1:${SERVICES[0].port}`;
  // The sink is a private address: with private destinations turned off, Ferry refuses it.
  const privateAllowed = ['true', '1', 'yes'].includes((process.env.FERRY_ALLOW_PRIVATE_DESTINATIONS ?? 'true').trim().toLowerCase());
  const publish = privateAllowed
    ? `Publish a message for the sink:`
    : `FERRY_ALLOW_PRIVATE_DESTINATIONS is off, so the sink, on 127.0.0.1, is refused (422).\n  Unset it to publish a message for the sink:`;
  console.log(`
  Ferry is running.  API: ${ingest}   Sink (demo receiver): ${sink}

  ${publish}
    curl -s -X POST ${ingest}/v1/messages -H 'content-type: application/json' \\
      -d '{"destination":"${sink}/ok/hello","body":{"hello":"world"}}'

  Follow it:   curl -s ${ingest}/v1/messages/<messageId>
  The sink:    curl -s ${sink}/_sink/requests

  Everything listens on 127.0.0.1 only.  Ctrl-C stops it all.
`);
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
