/* Integration checks against the real RabbitMQ of tools/dev-services.sh:
   the scrape jobs of docker/prometheus/prometheus.yml and the alert
   expressions, evaluated by a real Prometheus. Serial: they share a broker. */
const base = require('./jest.config.cts');

module.exports = {
  ...base,
  displayName: 'observability:integration',
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  testTimeout: 60_000,
};
