// Shows that each chaos check can fail: a healthy run passes every check, and
// each broken variant fails the check it breaks (and only that one).
//   node tools/chaos/checks.test.mjs   → "chaos-self-tests: N passed, N failed"
// 90-chaos.sh runs it before the suite itself.
import { evaluate } from './checks.mjs';

const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';
const T0 = 1_000_000;

function healthy() {
  const keys = [
    {
      key: 'chaos-r-0-deposit-0',
      op: 'deposit',
      user: 0,
      body: { amount: 100 },
      outcome: 'created',
      id: 'd1',
    },
    {
      key: 'chaos-r-1-deposit-0',
      op: 'deposit',
      user: 1,
      body: { amount: 100 },
      outcome: 'created',
      id: 'd2',
    },
    {
      key: 'chaos-r-0-0',
      op: 'transfer',
      user: 0,
      body: { amount: 5 },
      outcome: 'created',
      id: 't1',
    },
    {
      key: 'chaos-r-1-0',
      op: 'transfer',
      user: 1,
      body: { amount: 7 },
      outcome: 'created',
      id: 't2',
      replayed: true,
    },
    {
      key: 'chaos-r-1-1',
      op: 'transfer',
      user: 1,
      body: { amount: 9 },
      outcome: 'refused',
      status: 422,
    },
  ];
  const attempts = [
    {
      op: 'transfer',
      key: 'chaos-r-0-0',
      status: 201,
      start: T0 + 100,
      end: T0 + 150,
    },
    {
      op: 'transfer',
      key: 'chaos-r-1-0',
      status: 503,
      start: T0 + 1_100,
      end: T0 + 1_150,
    },
    {
      op: 'transfer',
      key: 'chaos-r-1-0',
      status: 502,
      start: T0 + 1_500,
      end: T0 + 1_550,
    },
    {
      op: 'transfer',
      key: 'chaos-r-1-0',
      status: 201,
      start: T0 + 6_000,
      end: T0 + 6_100,
    },
    {
      op: 'transfer',
      key: 'chaos-r-1-1',
      status: 422,
      start: T0 + 7_000,
      end: T0 + 7_050,
    },
  ];
  // 422 INSUFFICIENT_FUNDS is a legitimate refusal, but the healthy run has none from the probe or streams.
  const record = {
    users: [
      { index: 0, userId: U1, accountId: 'a1' },
      { index: 1, userId: U2, accountId: 'a2' },
    ],
    keys,
    attempts: attempts.filter((a) => a.status !== 422),
    probe: [
      { status: 200, start: T0 + 900, end: T0 + 950 },
      { status: 503, start: T0 + 1_200, end: T0 + 1_250 },
      { status: 200, start: T0 + 5_500, end: T0 + 5_600 },
    ],
    streams: [
      {
        userId: U1,
        connections: [{ at: T0, status: 200 }],
        receipts: [
          [1, 200],
          [3, 3_200],
          [5, 7_200],
        ].map(([s, at]) => ({ sequence: String(s), at: T0 + at })),
      },
      {
        userId: U2,
        connections: [
          { at: T0, status: 200 },
          { at: T0 + 2_000, status: 502 },
        ],
        receipts: [
          [2, 200],
          [4, 5_800],
          [6, 7_500],
        ].map(([s, at]) => ({ sequence: String(s), at: T0 + at })),
      },
    ],
  };
  const faults = [
    {
      name: 'postgres SIGKILL #1',
      kind: 'postgres',
      injectedAt: T0 + 1_000,
      startedAt: T0 + 4_000,
      acceptingAt: T0 + 5_000,
      snapshotBefore: '2',
      snapshotAccepting: '4',
    },
    {
      name: 'rabbitmq SIGKILL #1',
      kind: 'broker',
      injectedAt: T0 + 6_500,
      startedAt: T0 + 6_600,
      acceptingAt: T0 + 6_700,
      snapshotBefore: '4',
      snapshotAccepting: '4',
    },
  ];
  const db = {
    totalBalance: 0n,
    accounts: 3,
    chaosBalance: 200n,
    chaosDeposits: 200n,
    entrySum: 0n,
    unbalancedMovements: 0,
    balanceMismatches: 0,
    transfersByNote: new Map([
      ['chaos-r-0-0', { count: 1, ids: ['t1'] }],
      ['chaos-r-1-0', { count: 1, ids: ['t2'] }],
    ]),
    depositIds: new Set(['d1', 'd2']),
    activity: new Map([
      [U1, ['1', '3', '5']],
      [U2, ['2', '4', '6']],
    ]),
    outbox: { ledger: { unsent: 0, total: 9 }, auth: { unsent: 0, total: 2 } },
    queues: [
      { name: 'ledger.user-events', messages: 0 },
      { name: 'ledger.user-events.parking', messages: 0 },
    ],
    restarts: { api: 0, auth: 0, gateway: 0 },
  };
  return { record, faults, db };
}

const cases = [
  [
    'money-conserved',
    'a balance that does not net to zero',
    (x) => (x.db.totalBalance = 5n),
  ],
  [
    'money-conserved',
    'chaos accounts holding more than was deposited',
    (x) => (x.db.chaosBalance = 201n),
  ],
  [
    'entries-zero',
    'a movement whose entries do not sum to zero',
    (x) => (x.db.unbalancedMovements = 1),
  ],
  [
    'balances-entries',
    'a balance that differs from its entries',
    (x) => (x.db.balanceMismatches = 1),
  ],
  [
    'transfer-keys',
    'a key answered 201 with two transfer rows',
    (x) => (x.db.transfersByNote.get('chaos-r-0-0').count = 2),
  ],
  [
    'transfer-keys',
    'a key answered 201 with no transfer row',
    (x) => x.db.transfersByNote.delete('chaos-r-1-0'),
  ],
  [
    'transfer-keys',
    'a refused key that moved money',
    (x) => x.db.transfersByNote.set('chaos-r-1-1', { count: 1, ids: ['t3'] }),
  ],
  [
    'transfer-keys',
    'a key left without an answer',
    (x) => (x.record.keys[4].outcome = 'gave-up'),
  ],
  [
    'deposit-keys',
    'a deposit answered 201 without its row',
    (x) => x.db.depositIds.delete('d2'),
  ],
  [
    'activity-once',
    'an activity row that never reached its stream',
    (x) => x.db.activity.get(U1).push('7'),
  ],
  [
    'activity-once',
    'an activity row delivered twice',
    (x) => x.record.streams[1].receipts.push({ sequence: '4', at: T0 + 9_000 }),
  ],
  [
    'outboxes-drained',
    'an unsent outbox row',
    (x) => (x.db.outbox.auth.unsent = 1),
  ],
  ['nothing-parked', 'a parked message', (x) => (x.db.queues[1].messages = 3)],
  [
    'nothing-parked',
    'no parking queue at all (nothing was looked at)',
    (x) => (x.db.queues = []),
  ],
  [
    'no-crash',
    'the api restarted by its restart policy (a crash)',
    (x) => (x.db.restarts.api = 1),
  ],
  [
    'only-502-503-504',
    'an answer of 500',
    (x) =>
      x.record.probe.push({ status: 500, start: T0 + 1_300, end: T0 + 1_310 }),
  ],
  [
    'only-502-503-504',
    'a 401 while the database was down',
    (x) =>
      x.record.attempts.push({
        op: 'transfer',
        status: 401,
        start: T0 + 1_300,
        end: T0 + 1_310,
      }),
  ],
  [
    'api-after-postgres',
    'the API back 6 s after PostgreSQL accepted',
    (x) =>
      x.record.probe.push(
        { status: 503, start: T0 + 6_400, end: T0 + 6_450 },
        { status: 200, start: T0 + 6_460, end: T0 + 11_100 },
      ),
  ],
  [
    'events-after-broker',
    'no event after the broker came back',
    (x) => (x.faults[1].snapshotAccepting = '6'),
  ],
];

let passed = 0;
let failed = 0;
const expect = (ok, label) => {
  console.log(`${ok ? 'ok' : 'FAILED'}: ${label}`);
  if (ok) passed += 1;
  else failed += 1;
};

{
  const { record, faults, db } = healthy();
  const { checks } = evaluate(record, faults, db);
  const bad = checks.filter((c) => !c.ok);
  expect(
    bad.length === 0 && checks.length === 12,
    `a healthy run passes all ${checks.length} checks${bad.map((c) => `; not ${c.label}`).join('')}`,
  );
}
for (const [id, what, breakIt] of cases) {
  const input = healthy();
  breakIt(input);
  const { checks } = evaluate(input.record, input.faults, input.db);
  const failing = checks.filter((c) => !c.ok).map((c) => c.id);
  expect(
    failing.length === 1 && failing[0] === id,
    `when ${what}, then ${id} fails${failing.length !== 1 || failing[0] !== id ? ` (failing: ${failing.join(', ') || 'none'})` : ''}`,
  );
}
console.log(`chaos-self-tests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
