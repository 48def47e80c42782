/* Integration tests: the verifier against a real HTTP JWKS endpoint. */
const base = require('./jest.config.cts');

module.exports = {
  ...base,
  displayName: 'auth-verify:integration',
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  testTimeout: 30_000,
};
