/* Checks of the observability config that cannot run here (Grafana,
   Elasticsearch, Logstash, Kibana) against what can read it: promtool, a
   real Prometheus, the real logger. Serial: one Prometheus at a time. */
const { readFileSync } = require('fs');

const swcJestConfig = JSON.parse(readFileSync(`${__dirname}/.spec.swcrc`, 'utf-8'));
swcJestConfig.swcrc = false;

module.exports = {
  displayName: 'observability',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[cm]?[tj]s$': ['@swc/jest', swcJestConfig],
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'html'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/*.test.ts'],
  testTimeout: 30_000,
  coverageDirectory: 'test-output/jest/coverage',
};
