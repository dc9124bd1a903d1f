import { decodeEnvelope, decodeEnvelopeBytes, encodeEnvelope, type Envelope } from './envelope';

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

  it('decodes the stored bytes with the body as bytes, equal to the text version', () => {
    const envelope: Envelope = {
      tenant: 'tenant-é',
      url: 'https://a.example/hook',
      method: 'POST',
      headers: { 'x-name': 'Zoë' },
      body: 'first\nsecond ✓',
      orderingKey: 'k',
    };
    const decoded = decodeEnvelopeBytes(Buffer.from(encodeEnvelope(envelope), 'utf8'));
    expect(decoded).toEqual({ ...envelope, body: Buffer.from('first\nsecond ✓', 'utf8') });
  });

  it('copies the body out of the bytes it was read from', () => {
    const stored = Buffer.from(encodeEnvelope({ tenant: 'default', url: 'http://a.example', method: 'POST', headers: {}, body: 'abc' }));
    const decoded = decodeEnvelopeBytes(stored);
    stored.fill(0x21);
    expect(decoded.body?.toString()).toBe('abc');
  });

  it('tells an empty body from no body in bytes too', () => {
    const base: Envelope = { tenant: 'default', url: 'http://a.example', method: 'GET', headers: {} };
    expect(decodeEnvelopeBytes(Buffer.from(encodeEnvelope(base))).body).toBeUndefined();
    expect(decodeEnvelopeBytes(Buffer.from(encodeEnvelope({ ...base, method: 'POST', body: '' }))).body).toEqual(Buffer.alloc(0));
  });
});
