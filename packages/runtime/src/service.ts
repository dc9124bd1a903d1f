import { ConfigError } from './config';

/**
 * For `main().catch(exitOnConfigError)`: a bad configuration is the operator's to fix, so it gets
 * a plain list on stderr and exit code 2 instead of a stack trace. Anything else is rethrown.
 */
export function exitOnConfigError(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`Configuration error:\n${err.problems.map((line) => `  ${line}\n`).join('')}`);
  process.exit(2);
}
