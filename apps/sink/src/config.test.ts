import { loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to port 4000, every interface, 100000 records and 256 MiB of bodies', () => {
    const defaults = { port: 4000, maxRecords: 100_000, maxBodyBytes: 256 * 1_048_576 };
    expect(loadConfig({})).toEqual(defaults);
    expect(loadConfig({ PORT: '' })).toEqual(defaults);
  });

  it('reads every variable, 0 meaning a free port', () => {
    expect(loadConfig({ PORT: '0', SINK_HOST: '127.0.0.1', SINK_MAX_RECORDS: '50', SINK_MAX_BODY_BYTES: '1000' })).toEqual({
      port: 0,
      host: '127.0.0.1',
      maxRecords: 50,
      maxBodyBytes: 1000,
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'http' })).toThrow(/PORT/);
    expect(() => loadConfig({ SINK_MAX_RECORDS: '0' })).toThrow(/SINK_MAX_RECORDS/);
  });

  it('takes digits only, as the services do, and spaces alone as unset', () => {
    for (const port of ['0x1987', '1e3', '80.0', '-1', '65536']) expect(() => loadConfig({ PORT: port })).toThrow(/PORT/);
    expect(loadConfig({ PORT: ' 8080 ' }).port).toBe(8080);
    expect(loadConfig({ PORT: ' ' }).port).toBe(4000);
    expect(() => loadConfig({ SINK_MAX_BODY_BYTES: '1e6' })).toThrow(/SINK_MAX_BODY_BYTES/);
  });
});
