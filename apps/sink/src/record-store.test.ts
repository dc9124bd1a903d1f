import type { Arrival } from './arrival';
import { RecordStore } from './record-store';

const fields = (messageId: string | null): Omit<Arrival, 'seq'> => ({
  at: 0,
  atNs: 0n,
  atUs: 0,
  method: 'POST',
  path: '/ok',
  headers: messageId === null ? {} : { 'ferry-message-id': messageId, 'ferry-attempt': '2' },
  body: Buffer.from('{"a":1}'),
  bodyBytes: 7,
  messageId,
  status: 200,
});

describe('RecordStore', () => {
  it('keeps the newest records in arrival order once full', () => {
    const store = new RecordStore(3);
    for (const id of ['a', 'b', 'c', 'd', 'e']) store.add(fields(id));
    expect(store.list().map((r) => [r.seq, r.messageId])).toEqual([
      [3, 'c'],
      [4, 'd'],
      [5, 'e'],
    ]);
  });

  it('drops the oldest records once their bodies pass the byte bound, keeping the newest however large', () => {
    const store = new RecordStore(10, 20);
    for (const id of ['a', 'b', 'c', 'd']) store.add(fields(id));
    // 7 bytes each: two fit in 20, three do not.
    expect(store.list().map((r) => r.messageId)).toEqual(['c', 'd']);
    store.add({ ...fields('big'), body: Buffer.alloc(100), bodyBytes: 100 });
    expect(store.list().map((r) => r.messageId)).toEqual(['big']);
    store.add(fields('e'));
    expect(store.list().map((r) => r.messageId)).toEqual(['e']);
  });

  it('filters by message id and seq', () => {
    const store = new RecordStore(10);
    for (const id of ['a', 'b', 'a', 'b']) store.add(fields(id));
    expect(store.list({ messageId: 'a' }).map((r) => r.seq)).toEqual([1, 3]);
    expect(store.list({ since: 2 }).map((r) => r.seq)).toEqual([3, 4]);
  });

  it('answers at most `limit`: the newest without since, the first after since with it, across the ring’s wrap', () => {
    const store = new RecordStore(4);
    for (const id of ['a', 'b', 'a', 'b', 'a', 'b']) store.add(fields(id)); // keeps seqs 3-6
    const seqs = (filter: Parameters<RecordStore['list']>[0]) => store.list(filter).map((r) => r.seq);
    expect(seqs({ limit: 3 })).toEqual([4, 5, 6]);
    expect(seqs({ since: 0, limit: 3 })).toEqual([3, 4, 5]);
    expect(seqs({ since: 4, limit: 1 })).toEqual([5]);
    expect(seqs({ since: 6, limit: 1 })).toEqual([]);
    expect(seqs({ messageId: 'a', limit: 1 })).toEqual([5]);
    expect(seqs({ messageId: 'b', since: 3, limit: 5 })).toEqual([4, 6]);
  });

  it('lists an arrival as the record the control API serves', () => {
    const store = new RecordStore(1);
    store.add({ ...fields('a'), atNs: 123n, headers: { 'ferry-message-id': 'a', 'ferry-attempt': '2', 'x-many': ['1', '2'] } });
    expect(store.list()).toEqual([
      {
        seq: 1,
        at: 0,
        atNs: '123',
        atUs: 0,
        method: 'POST',
        path: '/ok',
        headers: { 'ferry-message-id': 'a', 'ferry-attempt': '2', 'x-many': '1, 2' },
        body: '{"a":1}',
        bodyBytes: 7,
        messageId: 'a',
        attempt: 2,
        status: 200,
      },
    ]);
  });

  it('keeps counting seq after a clear so `since` stays valid', () => {
    const store = new RecordStore(2);
    store.add(fields('a'));
    store.clear();
    expect(store.list()).toEqual([]);
    expect(store.add(fields('b')).seq).toBe(2);
  });
});
