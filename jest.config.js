// One jest run for the whole monorepo. Unit tests sit next to the code (src/**/*.test.ts);
// integration and end-to-end tests that start real processes live under test/ of an app or
// the repo. Workspace packages resolve to their TypeScript sources, so unit tests need no build;
// end-to-end tests start the built services (npm test builds first). Paths are absolute so
// that a workspace's own `npm test` (run from its folder with this config) finds them too.
const path = require('node:path');

const project = (name, dir) => ({
  displayName: name,
  rootDir: path.join(__dirname, dir),
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: { '^@ferry/(contracts|store|runtime)$': '<rootDir>/../../packages/$1/src/index.ts' },
});

module.exports = {
  projects: [
    project('@ferry/contracts', 'packages/contracts'),
    project('@ferry/runtime', 'packages/runtime'),
    project('@ferry/store', 'packages/store'),
    project('ingest', 'apps/ingest'),
    project('scheduler', 'apps/scheduler'),
    project('dispatcher', 'apps/dispatcher'),
    project('sink', 'apps/sink'),
    project('bench', 'apps/bench'),
    {
      displayName: 'e2e',
      rootDir: path.join(__dirname, 'test'),
      testEnvironment: 'node',
      testMatch: ['<rootDir>/**/*.test.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
      moduleNameMapper: { '^@ferry/(contracts|store|runtime)$': '<rootDir>/../packages/$1/src/index.ts' },
    },
  ],
  // Two cores: end-to-end tests start several processes each, so keep parallelism low.
  rootDir: __dirname,
  maxWorkers: 2,
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
