import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Runs the built bench in smoke mode, as `npm run bench -- --smoke` would, so the bench cannot
 * rot: every scenario must still start its processes, measure, and report a figure for Ferry and
 * for its baseline where the row names one. The sizes are tiny, so the figures themselves say nothing; only that they exist.
 */
const MAIN = path.resolve(__dirname, '../dist/main.js');
const SCENARIOS = ['ingest', 'ingest-batch', 'drain', 'latency', 'memory', 'backlog', 'scheduling'];

interface Report {
  machine: { cpuCount: number; node: string; redis: string };
  scenarios: Array<{ name: string; ok: boolean; error?: string; stolenCpuShare?: number; notes?: string[]; figures?: Record<string, unknown>; rows: Array<{ metric: string; ferry: number; baselineName?: string; baseline?: number }> }>;
}

let dir: string;
let bench: ChildProcess | undefined;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ferry-bench-smoke-'));
});

afterAll(() => {
  // A bench still running here timed out; SIGINT makes it stop every process it started.
  if (bench?.exitCode === null) bench.kill('SIGINT');
  rmSync(dir, { recursive: true, force: true });
});

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    bench = child;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('bench --smoke', () => {
  it('runs every scenario and reports numeric figures for Ferry and each baseline', async () => {
    const out = path.join(dir, 'smoke.json');
    const { code, output } = await runBench(['--smoke', '--out', out]);
    // The output says which scenario broke and why.
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });

    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.machine.cpuCount).toBeGreaterThan(0);
    expect(report.machine.redis).toMatch(/^\d+\.\d+/);
    expect(report.scenarios.map((s) => s.name)).toEqual(SCENARIOS);
    for (const scenario of report.scenarios) {
      expect({ name: scenario.name, ok: scenario.ok, error: scenario.error }).toEqual({ name: scenario.name, ok: true, error: undefined });
      expect(scenario.rows.length).toBeGreaterThan(0);
      // How busy the host was while it ran, so a reader can tell a slow machine from a slow run.
      if (process.platform === 'linux') {
        const share = scenario.stolenCpuShare;
        expect({ name: scenario.name, share, inRange: share !== undefined && share >= 0 && share <= 1 }).toEqual({ name: scenario.name, share, inRange: true });
      }
      for (const row of scenario.rows) {
        // A row without a baseline (scheduling's ready lateness: BullMQ has no such figure)
        // names none; a row that names one carries its value.
        const compared = row.baselineName !== undefined;
        const values = compared ? [row.ferry, row.baseline] : [row.ferry];
        const figures = { scenario: scenario.name, metric: row.metric, ferry: row.ferry, baseline: row.baseline };
        expect(figures).toEqual({ ...figures, ferry: expect.any(Number), baseline: compared ? expect.any(Number) : undefined });
        // Rates, sizes and counts are positive. Latency and lateness are differences between two
        // readings (two processes', or Redis's and the bench's clock): in a tiny busy run the sink
        // may record an arrival before the sender has read its 2xx, so they need only be real numbers.
        if (/ms$/.test(row.metric)) {
          expect({ ...figures, finite: values.every(Number.isFinite) }).toEqual({ ...figures, finite: true });
        } else {
          expect({ ...figures, positive: values.every((v) => v !== undefined && v > 0) }).toEqual({ ...figures, positive: true });
        }
      }
    }
    if (process.platform === 'linux') expect(output).toMatch(/CPU time stolen by the host \(other guests ran\): ingest /);
    // Whether the drain's target was within reach of any queue in this run: the queue-less ceiling.
    expect(report.scenarios.find((s) => s.name === 'drain')?.notes).toEqual([expect.stringMatching(/^drain: undici direct, with no queue/)]);
    expect(output).toMatch(/^drain: undici direct, with no queue, reached \d+\.\d\d× the BullMQ worker; 2\.0× asked Ferry for \d+ % of that ceiling, and it ran at \d+ %/m);
    // The scheduler's precision is measured apart from delivery; both appear, as real numbers above.
    const scheduling = report.scenarios.find((s) => s.name === 'scheduling');
    expect(scheduling?.rows.map((r) => r.metric)).toEqual(
      expect.arrayContaining(['ready lateness p50 ms', 'ready lateness p99 ms', 'arrival lateness p50 ms', 'arrival lateness p99 ms']),
    );
    // Like latency, scheduling keeps every round (one in a smoke run) and reports the median one.
    const rounds = scheduling?.figures?.rounds as { ferry?: unknown[]; bullmq?: unknown[] } | undefined;
    expect({ ferry: rounds?.ferry?.length, bullmq: rounds?.bullmq?.length }).toEqual({ ferry: 1, bullmq: 1 });
  }, 90_000);

  it('refuses an unknown scenario name with a usage error', async () => {
    const { code, output } = await runBench(['--only', 'ingest,teleport']);
    expect(code).toBe(2);
    expect(output).toMatch(/unknown: teleport/);
  });
});
