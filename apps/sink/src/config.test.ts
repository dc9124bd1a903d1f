import { loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to port 4000 and 100000 records', () => {
    expect(loadConfig({})).toEqual({ port: 4000, maxRecords: 100_000 });
    expect(loadConfig({ PORT: '' })).toEqual({ port: 4000, maxRecords: 100_000 });
  });

  it('reads both variables, 0 meaning a free port', () => {
    expect(loadConfig({ PORT: '0', SINK_MAX_RECORDS: '50' })).toEqual({ port: 0, maxRecords: 50 });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'http' })).toThrow(/PORT/);
    expect(() => loadConfig({ SINK_MAX_RECORDS: '0' })).toThrow(/SINK_MAX_RECORDS/);
  });
});
