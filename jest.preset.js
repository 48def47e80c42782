const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  // cookie@2 (used by light-my-request and @fastify/cookie) ships ESM only;
  // Jest's CommonJS runtime cannot require it, so let @swc/jest transpile it.
  transformIgnorePatterns: ['/node_modules/(?!(cookie)/)'],
};
