import { envelopeStart, freeAttempts } from './state-record';

describe('freeAttempts', () => {
  it('reads the record line of a stored field as bytes', () => {
    const field = Buffer.from('retrying|17|20|12|1700000000000|1700000001000|0|https://a.example|t|k|1\n{"t":"t"}\nbody');
    expect(freeAttempts(field)).toBe(12);
    expect(freeAttempts(Buffer.from('ready|0|3|0|1|1|0|https://a.example|t|\n{}\n'))).toBe(0);
    expect(envelopeStart(field)).toBe(field.indexOf('{'));
  });
});
