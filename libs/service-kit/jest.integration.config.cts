/* Integration tests: real processes and real signals (run-service). Run serially. */
const base = require('./jest.config.cts');

module.exports = {
  ...base,
  displayName: 'service-kit:integration',
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  testTimeout: 30_000,
};
