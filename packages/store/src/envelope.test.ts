import { decodeEnvelope, encodeEnvelope, type Envelope } from './envelope';

describe('envelope', () => {
  it('round-trips a body with newlines verbatim, without escaping it', () => {
    const body = '{"a":"line1\\nline2"}\nsecond line\n';
    const envelope: Envelope = {
      tenant: 'default',
      url: 'https://a.example/hook?x=1',
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-trace': 'abc' },
      body,
      timeoutMs: 2500,
    };
    const stored = encodeEnvelope(envelope);
    expect(stored.endsWith(`\n${body}`)).toBe(true);
    expect(decodeEnvelope(stored)).toEqual(envelope);
  });

  it('tells an empty body from no body', () => {
    const base: Envelope = { tenant: 'default', url: 'http://a.example', method: 'GET', headers: {} };
    expect(decodeEnvelope(encodeEnvelope(base)).body).toBeUndefined();
    expect(decodeEnvelope(encodeEnvelope({ ...base, method: 'POST', body: '' })).body).toBe('');
  });
});
