import { parseEventEntry } from './events';

describe('parseEventEntry', () => {
  it('reads a single delivery, with or without its attempt', () => {
    expect(parseEventEntry(['e', 'accepted', 'id', 'msg_1'])).toEqual({ kind: 'accepted', deliveries: [{ id: 'msg_1' }] });
    expect(parseEventEntry(['e', 'leased', 'id', 'msg_1', 'a', '2'])).toEqual({ kind: 'leased', deliveries: [{ id: 'msg_1', attempt: 2 }] });
  });

  it('reads every delivery a batch entry names', () => {
    expect(parseEventEntry(['e', 'delivered', 'id', 'x', 'a', '1', 'id', 'y', 'a', '3'])).toEqual({
      kind: 'delivered',
      deliveries: [
        { id: 'x', attempt: 1 },
        { id: 'y', attempt: 3 },
      ],
    });
  });

  it('answers undefined for fields of another shape', () => {
    expect(parseEventEntry(['id', 'x'])).toBeUndefined();
    expect(parseEventEntry([])).toBeUndefined();
  });
});
