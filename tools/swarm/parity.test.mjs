// tools/swarm/parity.mjs: passes on this checkout's two files, and fails on
// each kind of drift fed to it (no docker needed). Prints
// "swarm-parity-tests: N passed, N failed".
import assert from 'node:assert/strict';
import { selfTest } from './self-test.mjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  differences,
  dockerBytes,
  durationMs,
  judge,
  loadComposeText,
  loadPair,
} from './parity.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { test, finish } = selfTest('swarm-parity-tests');

const unchanged = () => undefined;
/** The real pair, with `drift` applied to a copy of the swarm file (or of the compose file). */
function judged(drift = unchanged, { onCompose = false, allow } = {}) {
  const pair = loadPair(root);
  drift(onCompose ? pair.compose : pair.swarm);
  return judge(differences(pair.compose, pair.swarm), allow ?? pair.allow);
}
/** The drift is caught, and named by the service and field it is in. */
function caught(result, service, field) {
  const hit = result.problems.find((p) => p.startsWith(`${service} ${field}`));
  assert.ok(
    hit,
    `expected a problem "${service} ${field}", got: ${result.problems.join(' | ') || 'none'}`,
  );
}

test('when the two files of this checkout are read, then only allowed differences remain', () => {
  assert.deepEqual(judged().problems, []);
});
test('dockerBytes reads units as Docker does: binary, whatever their case', () => {
  assert.equal(dockerBytes('384m'), dockerBytes('384M'));
  assert.equal(dockerBytes('64m'), 67108864);
  assert.equal(dockerBytes('1g'), 1024 ** 3);
  assert.equal(dockerBytes(33554432), 33554432);
  assert.ok(Number.isNaN(dockerBytes('lots')));
});
test('durationMs reads Compose durations', () => {
  assert.equal(durationMs('1m30s'), 90_000);
  assert.equal(durationMs('500ms'), 500);
  assert.equal(durationMs('20s'), 20_000);
  assert.ok(Number.isNaN(durationMs('soon')));
});
test('when an env key is missing from a swarm service, then it is drift', () => {
  caught(
    judged(
      (s) => delete s.services.api.environment.OTEL_EXPORTER_OTLP_ENDPOINT,
    ),
    'api',
    'env.OTEL_EXPORTER_OTLP_ENDPOINT',
  );
});
test('when an env value differs, then it is drift', () => {
  caught(
    judged((s) => (s.services.auth.environment.ROUTE_PREFIX = '/')),
    'auth',
    'env.ROUTE_PREFIX',
  );
});
test('when the swarm file adds an env key compose lacks, then it is drift', () => {
  caught(
    judged((s) => (s.services.web.environment = { EXTRA: '1' })),
    'web',
    'env.EXTRA',
  );
});
test('when a healthcheck timing or command differs, then it is drift', () => {
  caught(
    judged(
      (s) =>
        (s.services.api.healthcheck = {
          ...s.services.api.healthcheck,
          interval: '30s',
        }),
    ),
    'api',
    'healthcheck.interval',
  );
  caught(
    judged(
      (s) =>
        (s.services.postgres.healthcheck = {
          ...s.services.postgres.healthcheck,
          test: ['CMD', 'true'],
        }),
    ),
    'postgres',
    'healthcheck.test',
  );
  caught(
    judged((s) => delete s.services.web.healthcheck),
    'web',
    'healthcheck',
  );
});
test('when a memory limit differs, then it is drift (and equal sizes in other units are not)', () => {
  caught(
    judged((s) => (s.services.api.deploy.resources.limits.memory = '256M')),
    'api',
    'memory',
  );
  assert.deepEqual(
    judged((s) => (s.services.api.deploy.resources.limits.memory = 402653184))
      .problems,
    [],
  );
});
test('when a tmpfs size differs or a tmpfs is missing, then it is drift', () => {
  caught(
    judged(
      (s) =>
        (s.services.postgres.volumes = s.services.postgres.volumes.map((v) =>
          v.target === '/tmp' ? { ...v, tmpfs: { size: 33554432 } } : v,
        )),
    ),
    'postgres',
    'tmpfs./tmp',
  );
  caught(
    judged(
      (s) =>
        (s.services.rabbitmq.volumes = s.services.rabbitmq.volumes.filter(
          (v) => v.target !== '/var/log/rabbitmq',
        )),
    ),
    'rabbitmq',
    'tmpfs./var/log/rabbitmq',
  );
});
test('when shm_size and the swarm /dev/shm tmpfs differ, then it is drift', () => {
  caught(
    judged((c) => (c.services.postgres.shm_size = '256m'), { onCompose: true }),
    'postgres',
    'tmpfs./dev/shm',
  );
});
test('when a pids limit differs, then it is drift', () => {
  caught(
    judged((s) => (s.services.rabbitmq.deploy.resources.limits.pids = 256)),
    'rabbitmq',
    'pids',
  );
});
test('when stop_grace_period differs, also against the 10 s default, then it is drift', () => {
  caught(
    judged((s) => (s.services.gateway.stop_grace_period = '20s')),
    'gateway',
    'stop_grace_period',
  );
  caught(
    judged((s) => delete s.services.api.stop_grace_period),
    'api',
    'stop_grace_period',
  );
  assert.deepEqual(
    judged((s) => (s.services.gateway.stop_grace_period = '10s')).problems,
    [],
  );
});
test('when user, read-only root, capabilities, secrets, networks or image differ, then it is drift', () => {
  caught(
    judged((s) => delete s.services.postgres.user),
    'postgres',
    'user',
  );
  caught(
    judged((s) => (s.services.web.read_only = false)),
    'web',
    'read_only',
  );
  caught(
    judged((s) => delete s.services.gateway.cap_drop),
    'gateway',
    'cap_drop',
  );
  caught(
    judged((s) => s.services.api.secrets.pop()),
    'api',
    'secrets',
  );
  caught(
    judged((s) => (s.services.auth.networks = ['app'])),
    'auth',
    'networks',
  );
  caught(
    judged((s) => (s.services.web.image = 'flotilla/web:other')),
    'web',
    'image',
  );
  caught(
    judged((s) => delete s.services.rabbitmq.logging),
    'rabbitmq',
    'logging',
  );
});
test('when a bind mount differs, then it is drift', () => {
  caught(
    judged(
      (s) =>
        (s.services.rabbitmq.volumes = s.services.rabbitmq.volumes.filter(
          (v) => typeof v !== 'string' || !v.includes('rabbitmq.conf'),
        )),
    ),
    'rabbitmq',
    'volumes./etc/rabbitmq/rabbitmq.conf',
  );
});
test('when a core service is missing from the swarm file, or only there, then it is drift', () => {
  caught(
    judged((s) => delete s.services.web),
    'web',
    'service',
  );
  caught(
    judged((s) => (s.services.extra = { image: 'x' })),
    'extra',
    'service',
  );
});
test('when a compose service is behind a profile, then the swarm file need not have it', () => {
  const pair = loadPair(root);
  assert.ok(pair.compose.services.grafana.profiles.length > 0);
  assert.ok(
    !differences(pair.compose, pair.swarm).some((d) => d.service === 'grafana'),
  );
});
test('when a network loses `internal`, then it is drift', () => {
  caught(
    judged((s) => (s.networks.data = { driver: 'overlay' })),
    '(networks)',
    'data.internal',
  );
});
test('when a secret is read from another file, then it is drift', () => {
  caught(
    judged((s) => (s.secrets.amqp_url.file = './elsewhere')),
    '(secrets)',
    'amqp_url',
  );
});
test('when an allow-list entry matches no difference, then it fails', () => {
  const { allow } = loadPair(root);
  const r = judged(unchanged, {
    allow: [
      ...allow,
      { service: 'web', field: 'memory', reason: 'was once different' },
    ],
  });
  assert.ok(
    r.problems.some((p) =>
      p.includes('web memory allows a difference that is no longer there'),
    ),
    r.problems.join(' | '),
  );
});
test('when an allow-list entry gives no reason, then it fails', () => {
  const { allow } = loadPair(root);
  const r = judged(unchanged, {
    allow: allow.map((e, i) => (i === 0 ? { ...e, reason: ' ' } : e)),
  });
  assert.ok(
    r.problems.some((p) => p.includes('gives no reason')),
    r.problems.join(' | '),
  );
});
test('when an allowed field is wildcarded, then it covers its keys only', () => {
  const d = [
    { service: 'api', field: 'env.A', compose: '1', swarm: '2' },
    { service: 'api', field: 'memory', compose: '1', swarm: '2' },
  ];
  const r = judge(d, [{ service: 'api', field: 'env.*', reason: 'r' }]);
  assert.deepEqual(r.problems, ['api memory: compose 1, swarm 2']);
});
test('when `KEY: ${X:-}` is read, then it is the empty string, not a null (a pass-through in Compose)', () => {
  const f = loadComposeText(
    'services:\n  a:\n    environment:\n      K: ${X:-}\n      P:\n',
  );
  assert.equal(f.services.a.environment.K, '');
  assert.equal(f.services.a.environment.P, null);
});

finish();
