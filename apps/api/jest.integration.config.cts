/* Integration tests: the real app against a real PostgreSQL and RabbitMQ
   (tools/dev-services.sh). Run serially: they share one database server. */
const base = require('./jest.config.cts');

module.exports = {
  ...base,
  displayName: 'api:integration',
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  testTimeout: 30_000,
  globalSetup: '<rootDir>/test/global-setup.cjs',
};
