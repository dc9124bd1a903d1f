import { loadConfig } from './config';
import { createSink } from './sink-server';

// If closing ever stalls, exit anyway: whoever sent the signal expects the process to end.
const SHUTDOWN_DEADLINE_MS = 5_000;

// JSON lines by hand rather than pino: the sink depends on node built-ins and zod only. A
// reader that has gone fails the write; the line is lost, and the sink goes on (and stops) as asked.
process.stdout.on('error', () => {});
function log(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const sink = createSink({ maxRecords: config.maxRecords, maxBodyBytes: config.maxBodyBytes });
  const port = await sink.listen(config.port, config.host);
  // Parents started with PORT=0 read the port from this line; keep its shape.
  log({ msg: 'sink listening', port, host: config.host ?? 'every interface' });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    sink.close().then(
      () => log({ msg: 'sink stopped', signal }),
      (err: unknown) => {
        log({ msg: 'sink stop failed', signal, err: String(err) });
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ msg: 'sink failed to start', err: err instanceof Error ? err.message : String(err) })}\n`);
  process.exitCode = 1;
});
