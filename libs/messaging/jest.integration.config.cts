/* Integration tests: the lib against a real RabbitMQ (AMQP_URL) and PostgreSQL
   (MESSAGING_DATABASE_URL) from tools/dev-services.sh. Serial: one test
   restarts the broker. */
const base = require('./jest.config.cts');

module.exports = {
  ...base,
  displayName: 'messaging:integration',
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  testTimeout: 60_000,
};
