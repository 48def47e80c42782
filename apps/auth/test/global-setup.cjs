/* Brings the test database to the latest migration before any suite runs, the
   way the compose migrate job does before the service starts. */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalSetup() {
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    cwd: path.join(__dirname, '..'),
    env: {
      ...process.env,
      CHECKPOINT_DISABLE: '1',
      DATABASE_URL: process.env.AUTH_DATABASE_URL ?? 'postgresql://auth:auth@127.0.0.1:5432/auth',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
};
