/* Brings the ledger database, and the auth database the BFF round trip uses
   (apps/auth built in-process), to their latest migrations before any suite
   runs, the way the compose migrate jobs do before the services start. */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

function migrate(projectDir, env) {
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    cwd: projectDir,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

module.exports = async function globalSetup() {
  migrate(path.join(__dirname, '..'), {
    LEDGER_DATABASE_URL: process.env.LEDGER_DATABASE_URL ?? 'postgresql://ledger:ledger@127.0.0.1:5432/ledger',
  });
  migrate(path.join(__dirname, '..', '..', 'auth'), {
    DATABASE_URL: process.env.AUTH_DATABASE_URL ?? 'postgresql://auth:auth@127.0.0.1:5432/auth',
  });
};
