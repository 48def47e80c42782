// Each judgement of tools/swarm/checks.mjs, passing on a good input and failing
// on a broken one (no swarm needed). Prints "swarm-selftest-checks: N passed, N failed".
import assert from 'node:assert/strict';
import { selfTest } from './self-test.mjs';
import { keysSettled, liveEvents, requestsPerTask, spread, streamUpstreams, windowFigures } from './checks.mjs';

const { test, finish } = selfTest('swarm-selftest-checks');

const line = (task, ua, path = '/api/account') =>
  `${task}    | ${JSON.stringify({ message: 'request completed', 'user_agent.original': ua, 'url.path': path })}`;

test('spread passes when all 3 replicas served', () => {
  const lines = ['s_api.1.a@n', 's_api.2.b@n', 's_api.3.c@n', 's_api.1.a@n'].map((t) => line(t, 'ua'));
  assert.equal(spread(requestsPerTask(lines, 'ua', '/api/account'), 3, 4).ok, true);
});
test('spread fails when one replica served nothing', () => {
  const lines = ['s_api.1.a@n', 's_api.2.b@n', 's_api.1.a@n'].map((t) => line(t, 'ua'));
  assert.equal(spread(requestsPerTask(lines, 'ua', '/api/account'), 3, 3).ok, false);
});
test('spread fails when requests are missing from the logs, and ignores other user-agents and paths', () => {
  const lines = [line('s_api.1.a@n', 'ua'), line('s_api.2.b@n', 'other'), line('s_api.3.c@n', 'ua', '/api/x'), 'no bar here'];
  const counts = requestsPerTask(lines, 'ua', '/api/account');
  assert.equal(counts.size, 1);
  assert.equal(spread(counts, 1, 2).ok, false);
});
test('streamUpstreams finds the replicas of the tagged streams only', () => {
  const gw = (ua, upstream, uri = '/api/activity/stream?after=0', status = 200) =>
    `s_gateway.1.x@n    | ${JSON.stringify({ user_agent: ua, upstream, uri, status })}`;
  const lines = [gw('a', '10.0.1.5:3000'), gw('b', '10.0.1.5:3000'), gw('c', '10.0.1.6:3000, 10.0.1.7:3000'), gw('x', '10.0.1.9:3000'), gw('a', '10.0.1.8:3000', '/api/account')];
  assert.deepEqual([...streamUpstreams(lines, ['a', 'b', 'c'])].sort(), ['10.0.1.5:3000', '10.0.1.7:3000']);
  assert.equal(streamUpstreams([gw('a', '10.0.1.5:3000'), gw('b', '10.0.1.5:3000')], ['a', 'b']).size, 1);
});
test('windowFigures counts 5xx and no-answer inside the window only', () => {
  const attempts = [
    { start: 5, end: 10, status: 201 },
    { start: 12, end: 20, status: 502 },
    { start: 13, end: 15, error: 'ECONNRESET' },
    { start: 14, end: 15, status: 429 },
    { start: 99, end: 100, status: 500 },
  ];
  const w = windowFigures(attempts, { start: 0, end: 50 });
  assert.equal(w.sent, 4);
  assert.equal(w.failed, 2);
  assert.equal(w.p99, 8);
});
test('liveEvents fails on a missing event and on a duplicate', () => {
  const activity = new Map([['u1', ['1', '2']]]);
  assert.equal(liveEvents([{ userId: 'u1', receipts: [{ sequence: '1' }, { sequence: '2' }] }], activity).ok, true);
  assert.equal(liveEvents([{ userId: 'u1', receipts: [{ sequence: '1' }] }], activity).ok, false);
  assert.equal(liveEvents([{ userId: 'u1', receipts: [{ sequence: '1' }, { sequence: '2' }, { sequence: '2' }] }], activity).ok, false);
  assert.equal(liveEvents([{ userId: 'u1', receipts: [] }], new Map()).ok, false);
});
test('keysSettled fails on a key given up or failed', () => {
  assert.equal(keysSettled([{ outcome: 'created' }]).ok, true);
  assert.equal(keysSettled([{ outcome: 'created' }, { key: 'k', outcome: 'gave-up', error: 'TIMEOUT' }]).ok, false);
  assert.equal(keysSettled([]).ok, false);
});

finish();
