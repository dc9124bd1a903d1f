import { ConfigError } from './config';
import { exitOnConfigError } from './service';

describe('exitOnConfigError', () => {
  let written: string;
  let exit: jest.SpyInstance;
  let write: jest.SpyInstance;

  beforeEach(() => {
    written = '';
    // Stubbed because the real ones would end or scribble over the test run.
    exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    exit.mockRestore();
    write.mockRestore();
  });

  it('prints every problem and exits 2 for a configuration error', () => {
    const err = new ConfigError(['FERRY_SHARDS: must be at least 1 (got "0")', 'FERRY_TYPO: unknown variable']);
    expect(() => exitOnConfigError(err)).toThrow('exit 2');
    expect(written).toBe(
      'Configuration error:\n  FERRY_SHARDS: must be at least 1 (got "0")\n  FERRY_TYPO: unknown variable\n',
    );
  });

  it('rethrows anything else untouched', () => {
    const err = new Error('listen EADDRINUSE');
    expect(() => exitOnConfigError(err)).toThrow(err);
    expect(exit).not.toHaveBeenCalled();
    expect(written).toBe('');
  });
});
