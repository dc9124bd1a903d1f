import type { SinkRecord } from './record-store';
import { createSink, type Sink } from './sink-server';

let sink: Sink;
let base: string;

beforeEach(async () => {
  sink = createSink({ maxRecords: 3 });
  base = `http://127.0.0.1:${await sink.listen(0, '127.0.0.1')}`;
});

afterEach(() => sink.close());

const send = (path: string, id: string) => fetch(`${base}${path}`, { method: 'POST', headers: { 'ferry-message-id': id }, body: id });
const seqs = async (query = '') =>
  ((await (await fetch(`${base}/_sink/requests${query}`)).json()) as SinkRecord[]).map((r) => [r.seq, r.messageId]);

describe('control API', () => {
  it('lists records oldest first, filtered by messageId and since, within the ring size', async () => {
    for (const id of ['a', 'b', 'a', 'c']) await send('/ok', id);
    expect(await seqs()).toEqual([
      [2, 'b'],
      [3, 'a'],
      [4, 'c'],
    ]);
    expect(await seqs('?messageId=a')).toEqual([[3, 'a']]);
    expect(await seqs('?since=3')).toEqual([[4, 'c']]);
    expect(await seqs('?since=3&messageId=a')).toEqual([]);
  });

  it('reports stats by status and never records or counts its own requests', async () => {
    await send('/ok', 'a');
    await send('/status/503', 'b');
    await send('/status/503', 'c');
    await fetch(`${base}/_sink/requests`);
    const stats = await (await fetch(`${base}/_sink/stats`)).json();
    expect(stats).toEqual({ received: 3, inFlight: 0, maxInFlight: 1, byStatus: { '200': 1, '503': 2 } });
  });

  it('clears records, counters and flaky state on DELETE', async () => {
    expect((await send('/flaky/1', 'f')).status).toBe(500);
    expect((await send('/flaky/1', 'f')).status).toBe(200);
    expect((await fetch(`${base}/_sink/requests`, { method: 'DELETE' })).status).toBe(204);
    expect(await seqs()).toEqual([]);
    expect(await (await fetch(`${base}/_sink/stats`)).json()).toEqual({ received: 0, inFlight: 0, maxInFlight: 0, byStatus: {} });
    expect((await send('/flaky/1', 'f')).status).toBe(500);
    expect(await seqs()).toEqual([[3, 'f']]);
  });

  it('answers at most `limit` records: the newest without since, the first after since with it', async () => {
    for (const id of ['a', 'b', 'c', 'd']) await send('/ok', id);
    expect(await seqs('?limit=2')).toEqual([
      [3, 'c'],
      [4, 'd'],
    ]);
    // Paging on from the last seq read; seq 1 has left the ring of 3.
    expect(await seqs('?since=0&limit=2')).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(await seqs('?since=3&limit=2')).toEqual([[4, 'd']]);
    expect(await seqs('?since=4&limit=2')).toEqual([]);
  });

  it('answers bad input with 4xx', async () => {
    for (const limit of ['0', '10001', 'many', '-1', '1.5']) expect((await fetch(`${base}/_sink/requests?limit=${limit}`)).status).toBe(400);
    expect((await fetch(`${base}/_sink/requests?since=soon`)).status).toBe(400);
    expect((await fetch(`${base}/_sink/stats`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await fetch(`${base}/_sink/nothing`)).status).toBe(404);
  });

  it('tells its clock, the one arrivals are stamped with', async () => {
    const before = (performance.timeOrigin + performance.now()) * 1000;
    const response = await fetch(`${base}/_sink/clock`);
    const after = (performance.timeOrigin + performance.now()) * 1000;
    const { atUs } = (await response.json()) as { atUs: number };
    expect(response.status).toBe(200);
    expect(atUs).toBeGreaterThanOrEqual(before - 1_000);
    expect(atUs).toBeLessThanOrEqual(after + 1_000);
  });
});
