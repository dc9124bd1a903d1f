import { createInterface } from 'node:readline';
import { createUndiciClient } from '../clients/undici-client';
import { runLoad } from '../load';
import { BODY_1K } from '../messages';
import { announce, exitWithParent, failed, intEnv, stringEnv } from './baseline-env';

/**
 * The delivery ceiling: BENCH_COUNT POSTs of the 1 KiB body straight to BENCH_URL, BENCH_CONCURRENCY
 * at a time, no queue at all. Starts sending when the bench writes "go" on stdin, so like the
 * queue consumers it is up and connected-ready before the clock starts.
 */
async function main(): Promise<void> {
  const url = stringEnv('BENCH_URL');
  const count = intEnv('BENCH_COUNT');
  const concurrency = intEnv('BENCH_CONCURRENCY');
  const client = createUndiciClient({ connections: concurrency, requestTimeoutMs: 15_000 });
  const stopped = new AbortController();
  exitWithParent(async () => {
    stopped.abort(new Error('stopped'));
    await client.close();
  });

  createInterface({ input: process.stdin }).once('line', (line) => {
    if (line.trim() !== 'go') return failed(new Error(`expected "go" on stdin, got "${line}"`));
    runLoad(client, { url, body: BODY_1K, requests: count, concurrency, idPrefix: 'direct', signal: stopped.signal }).then(
      (result) => announce({ msg: 'done', elapsedMs: result.elapsedMs }),
      failed,
    );
  });
  announce({ msg: 'ready' });
}

main().catch(failed);
