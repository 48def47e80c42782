const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  // cookie@2 (light-my-request, @fastify/cookie) and typebox@1 ship ESM only.
  // Jest's CommonJS runtime cannot require them, so let @swc/jest transpile them.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|typebox)/)'],
};
