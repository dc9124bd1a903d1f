import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, errorStatus } from './errors';

describe('error codes', () => {
  it('are all listed in the README with their status', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const listing = readme.slice(readme.indexOf('The codes, a closed list'));
    const missing = ErrorCode.options.filter((code) => {
      const at = listing.indexOf(`\`${code}\``);
      // The status follows the code, or the last of a group of codes that share it.
      return at === -1 || !new RegExp(`^[^0-9]*${errorStatus[code]}`).test(listing.slice(at));
    });
    expect(missing).toEqual([]);
  });
});
