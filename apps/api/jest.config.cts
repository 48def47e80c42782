const { readFileSync } = require('fs');

// Reading the SWC compilation config for the spec files
const swcJestConfig = JSON.parse(
  readFileSync(`${__dirname}/.spec.swcrc`, 'utf-8'),
);

// Disable .swcrc look-up by SWC core because we're passing in swcJestConfig ourselves
swcJestConfig.swcrc = false;

module.exports = {
  displayName: '@flotilla/api',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  // Unit specs only (next to the code, no I/O); test/integration has its own config and target.
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: {
    '^.+\\.[cm]?[tj]s$': ['@swc/jest', swcJestConfig],
  },
  // jose@6 is ESM only as well (the preset covers cookie and typebox), and @fastify/cookie
  // loads cookie@2 with import(), which Jest's CommonJS runtime only runs once transpiled;
  // @fastify/static (Swagger UI) brings an ESM-only content-disposition.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|typebox|jose|content-disposition|@fastify/cookie|@fastify/static/node_modules/content-disposition)/)'],
  moduleFileExtensions: ['ts', 'js', 'html'],
  coverageDirectory: 'test-output/jest/coverage',
};
