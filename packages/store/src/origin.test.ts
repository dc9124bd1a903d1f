import { originOf } from './origin';

describe('originOf', () => {
  it('answers the scheme, host and port of a URL, the same each time', () => {
    expect(originOf('https://a.example/hook?x=1')).toBe('https://a.example');
    expect(originOf('https://a.example/hook?x=1')).toBe('https://a.example');
    expect(originOf('http://127.0.0.1:8080/x')).toBe('http://127.0.0.1:8080');
    expect(originOf('http://[::1]:9/ok')).toBe('http://[::1]:9');
  });

  it('keys a host written with a trailing dot as the same destination', () => {
    expect(originOf('https://a.example./hook')).toBe('https://a.example');
    expect(originOf('http://a.example.:8080/hook')).toBe('http://a.example:8080');
  });

  it('throws on text that is not a URL, as URL does', () => {
    expect(() => originOf('not a url')).toThrow();
  });
});
