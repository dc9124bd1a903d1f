import { RecordStore, type SinkRecord } from './record-store';

const fields = (messageId: string | null): Omit<SinkRecord, 'seq'> => ({
  at: 0,
  atNs: '0',
  atUs: 0,
  method: 'POST',
  path: '/ok',
  headers: {},
  body: '',
  bodyBytes: 0,
  messageId,
  attempt: null,
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

  it('filters by message id and seq', () => {
    const store = new RecordStore(10);
    for (const id of ['a', 'b', 'a', 'b']) store.add(fields(id));
    expect(store.list({ messageId: 'a' }).map((r) => r.seq)).toEqual([1, 3]);
    expect(store.list({ since: 2 }).map((r) => r.seq)).toEqual([3, 4]);
  });

  it('keeps counting seq after a clear so `since` stays valid', () => {
    const store = new RecordStore(2);
    store.add(fields('a'));
    store.clear();
    expect(store.list()).toEqual([]);
    expect(store.add(fields('b')).seq).toBe(2);
  });
});
