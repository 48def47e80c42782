// The chaos suite's verdicts (issue 11, "A chaos suite in the project"), as pure
// functions of what the load client recorded, what the fault injector timed and
// what the databases and broker hold afterwards. checks.test.mjs feeds them
// broken inputs to show that each one can fail.

const seconds = (ms) =>
  ms === undefined || ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`;
const FAULT_STATUSES = new Set([502, 503, 504]);

/** Targets of the issue. */
export const TARGETS = {
  apiAfterPostgresMs: 5_000,
  eventsAfterBrokerMs: 10_000,
};

/** Every answer a client saw: money requests, the probe, and stream connections. */
function answers(record) {
  return [
    ...record.attempts.map((a) => ({ ...a, source: a.op })),
    ...record.probe.map((a) => ({ ...a, source: 'probe' })),
    // A connection the client itself ended at the finish has neither.
    ...record.streams.flatMap((s) =>
      s.connections
        .filter((c) => c.status !== undefined || c.error !== undefined)
        .map((c) => ({
          status: c.status,
          error: c.error,
          start: c.at,
          end: c.at,
          source: 'stream',
        })),
    ),
  ];
}

/** Per fault: how long clients found the API unavailable, when it was back, when events flowed again. */
export function faultTimings(record, faults, activity = new Map()) {
  const allRows = [...activity].flatMap(([userId, seqs]) =>
    seqs.map((seq) => [userId, String(seq)]),
  );
  const all = answers(record).filter((a) => a.source !== 'stream');
  const firstReceipt = new Map();
  for (const stream of record.streams) {
    for (const r of stream.receipts) {
      const key = `${stream.userId}:${r.sequence}`;
      if (!firstReceipt.has(key) || r.at < firstReceipt.get(key).at)
        firstReceipt.set(key, { at: r.at, sequence: BigInt(r.sequence) });
    }
  }
  const receipts = [...firstReceipt.values()].sort((a, b) => a.at - b.at);
  return faults.map((fault, i) => {
    // A request belongs to the fault during which its answer came: one sent just
    // before the next fault and failed by it is that fault's.
    const windowEnd = faults[i + 1]?.injectedAt ?? Infinity;
    const inWindow = all.filter(
      (a) => a.end >= fault.injectedAt && a.end < windowEnd,
    );
    const failures = inWindow.filter(
      (a) => a.error !== undefined || a.status >= 500,
    );
    let unavailableMs = 0;
    let availableAt;
    if (failures.length > 0) {
      const first = Math.max(
        fault.injectedAt,
        Math.min(...failures.map((a) => a.start)),
      );
      const last = Math.max(...failures.map((a) => a.end));
      // Back when a request succeeds after the last failure, even if that is during the next fault.
      availableAt = all
        .filter((a) => a.status >= 200 && a.status < 300 && a.end > last)
        .reduce((min, a) => Math.min(min, a.end), Infinity);
      if (availableAt === Infinity) availableAt = undefined;
      unavailableMs =
        availableAt === undefined ? undefined : availableAt - first;
    }
    const accepting = fault.acceptingAt;
    const apiBackMs =
      accepting === undefined
        ? undefined
        : availableAt === undefined
          ? failures.length
            ? undefined
            : 0
          : Math.max(0, availableAt - accepting);
    let eventsFlowingMs;
    let caughtUpMs;
    let outageRows = 0;
    let outageMissing = 0;
    if (accepting !== undefined && fault.snapshotAccepting !== undefined) {
      const snap = BigInt(fault.snapshotAccepting);
      const flowing = receipts.find(
        (r) => r.sequence > snap && r.at >= accepting,
      );
      eventsFlowingMs = flowing ? flowing.at - accepting : undefined;
      if (fault.snapshotBefore !== undefined) {
        const before = BigInt(fault.snapshotBefore);
        const rows = allRows.filter(
          ([, seq]) => BigInt(seq) > before && BigInt(seq) <= snap,
        );
        outageRows = rows.length;
        let latest = accepting;
        for (const [userId, seq] of rows) {
          const got = firstReceipt.get(`${userId}:${seq}`);
          if (!got) outageMissing += 1;
          else latest = Math.max(latest, got.at);
        }
        caughtUpMs = outageMissing ? undefined : latest - accepting;
      }
    }
    const healedMs =
      accepting === undefined ||
      apiBackMs === undefined ||
      (outageMissing && outageRows)
        ? undefined
        : Math.max(apiBackMs, caughtUpMs ?? 0, eventsFlowingMs ?? 0) +
          (accepting - fault.startedAt);
    return {
      ...fault,
      failures: failures.length,
      unavailableMs,
      apiBackMs,
      eventsFlowingMs,
      caughtUpMs,
      outageRows,
      outageMissing,
      healedMs,
    };
  });
}

/**
 * @param record  the load client's record (load.mjs)
 * @param faults  the injector's timeline (run.mjs)
 * @param db      what PostgreSQL and RabbitMQ hold afterwards (run.mjs)
 */
export function evaluate(record, faults, db) {
  const checks = [];
  const figures = [];
  const check = (id, ok, label) => checks.push({ id, ok: Boolean(ok), label });

  // --- money ---------------------------------------------------------------
  const createdDeposits = record.keys.filter(
    (k) => k.op === 'deposit' && k.outcome === 'created',
  );
  const depositedByClient = createdDeposits.reduce(
    (sum, k) => sum + BigInt(k.body.amount),
    0n,
  );
  check(
    'money-conserved',
    db.totalBalance === 0n &&
      db.chaosBalance === db.chaosDeposits &&
      db.chaosDeposits === depositedByClient,
    `money conserved: all balances sum to ${db.totalBalance}; the chaos accounts hold ${db.chaosBalance} = their deposits ${db.chaosDeposits} (answered 201: ${depositedByClient})`,
  );
  check(
    'entries-zero',
    db.entrySum === 0n && db.unbalancedMovements === 0,
    `entries sum to zero: total ${db.entrySum}, movements whose entries do not sum to zero: ${db.unbalancedMovements}`,
  );
  check(
    'balances-entries',
    db.balanceMismatches === 0,
    `every balance equals the sum of its entries: ${db.balanceMismatches} of ${db.accounts} accounts differ`,
  );

  // --- idempotency keys -------------------------------------------------------
  const transfers = record.keys.filter((k) => k.op === 'transfer');
  const byOutcome = (list, outcome) =>
    list.filter((k) => k.outcome === outcome);
  const created = byOutcome(transfers, 'created');
  const refused = [
    ...byOutcome(transfers, 'refused'),
    ...byOutcome(transfers, 'failed'),
  ];
  const unresolved = transfers.filter(
    (k) => !['created', 'refused', 'failed'].includes(k.outcome),
  );
  const notOne = created.filter((k) => {
    const rows = db.transfersByNote.get(k.key);
    return !rows || rows.count !== 1 || rows.ids[0] !== k.id;
  });
  const refusedWithRow = refused.filter((k) => db.transfersByNote.has(k.key));
  const known = new Set(transfers.map((k) => k.key));
  const strangers = [...db.transfersByNote.keys()].filter(
    (note) => !known.has(note),
  );
  check(
    'transfer-keys',
    created.length > 0 &&
      notOne.length === 0 &&
      refusedWithRow.length === 0 &&
      strangers.length === 0 &&
      unresolved.length === 0,
    `each transfer key answered 201 has exactly one transfer row (${created.length - notOne.length} of ${created.length}); ` +
      `failed keys with a row: ${refusedWithRow.length} of ${refused.length}; rows of no key: ${strangers.length}; keys left without an answer: ${unresolved.length}`,
  );
  const depositKeys = record.keys.filter((k) => k.op === 'deposit');
  const missingDeposits = createdDeposits.filter(
    (k) => !db.depositIds.has(k.id),
  );
  check(
    'deposit-keys',
    createdDeposits.length === depositKeys.length &&
      missingDeposits.length === 0 &&
      db.depositIds.size === createdDeposits.length,
    `each deposit key answered 201 has exactly one deposit row: ${createdDeposits.length - missingDeposits.length} of ${depositKeys.length} keys, ${db.depositIds.size} rows`,
  );

  // --- the live feed ------------------------------------------------------------
  let rows = 0;
  let missing = 0;
  let duplicated = 0;
  let unexpected = 0;
  let outOfOrder = 0;
  let delivered = 0;
  for (const stream of record.streams) {
    const expected = new Set(
      (db.activity.get(stream.userId) ?? []).map(String),
    );
    rows += expected.size;
    const counts = new Map();
    let previous = -1n;
    for (const r of stream.receipts) {
      counts.set(r.sequence, (counts.get(r.sequence) ?? 0) + 1);
      delivered += 1;
      const sequence = /^\d+$/.test(r.sequence) ? BigInt(r.sequence) : -1n;
      if (sequence <= previous) outOfOrder += 1;
      else previous = sequence;
    }
    for (const sequence of expected) if (!counts.has(sequence)) missing += 1;
    for (const [sequence, count] of counts) {
      if (!expected.has(sequence)) unexpected += 1;
      else if (count > 1) duplicated += count - 1;
    }
  }
  check(
    'activity-once',
    rows > 0 && missing === 0 && duplicated === 0 && unexpected === 0,
    `every activity row reached its user's stream exactly once: ${rows} rows checked, ${missing} missing, ${duplicated} duplicated, ${unexpected} not the user's`,
  );
  figures.push(
    `live events: ${rows} rows checked over ${record.streams.length} streams, ${delivered} events received, ${missing} missing, ${duplicated} duplicated, ${outOfOrder} out of order`,
  );

  // --- messaging ------------------------------------------------------------------
  check(
    'outboxes-drained',
    db.outbox.ledger.unsent === 0 && db.outbox.auth.unsent === 0,
    `both outboxes drained: ledger ${db.outbox.ledger.unsent} unsent of ${db.outbox.ledger.total}, auth ${db.outbox.auth.unsent} unsent of ${db.outbox.auth.total}`,
  );
  const parked = db.queues.filter((q) =>
    /(\.parking|\.dlq|dead)$/.test(q.name),
  );
  const parkedMessages = parked.reduce((sum, q) => sum + q.messages, 0);
  check(
    'nothing-parked',
    parked.length > 0 && parkedMessages === 0,
    `nothing parked: ${parkedMessages} messages in ${parked.length} parking queues${parked
      .filter((q) => q.messages)
      .map((q) => ` (${q.name}: ${q.messages})`)
      .join('')}`,
  );

  const crashed = Object.entries(db.restarts).filter(([, n]) => n > 0);
  check(
    'no-crash',
    Object.keys(db.restarts).length > 0 && crashed.length === 0,
    `the services stayed up (restarts by Docker's restart policy, i.e. crashes): ${Object.entries(
      db.restarts,
    )
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}`,
  );

  // --- what clients saw --------------------------------------------------------------
  const seen = answers(record);
  const byStatus = new Map();
  for (const a of seen) {
    const label =
      a.error !== undefined ? `no answer (${a.error})` : String(a.status);
    byStatus.set(label, (byStatus.get(label) ?? 0) + 1);
  }
  const fiveXX = seen.filter((a) => a.status >= 500);
  const notFault = fiveXX.filter((a) => !FAULT_STATUSES.has(a.status));
  const fourXX = seen.filter(
    (a) => a.status >= 400 && a.status < 500 && a.status !== 429,
  );
  const status5xx = [...byStatus].filter(([s]) => /^5/.test(s)).sort();
  check(
    'only-502-503-504',
    notFault.length === 0 && fourXX.length === 0,
    `clients saw only 502/503/504 during the faults: 5xx by status ${status5xx.map(([s, n]) => `${s}×${n}`).join(', ') || 'none'}; ` +
      `500 answers: ${seen.filter((a) => a.status === 500).length}; other 4xx than 429: ${fourXX.length}${fourXX.length ? ` (${[...new Set(fourXX.map((a) => `${a.source} ${a.status}`))].join(', ')})` : ''}`,
  );
  figures.push(
    `answers by status: ${[...byStatus]
      .sort()
      .map(([s, n]) => `${s}×${n}`)
      .join(', ')}`,
  );
  const outcomes = new Map();
  for (const k of record.keys)
    outcomes.set(
      `${k.op} ${k.outcome}${k.replayed ? ' (replayed)' : ''}`,
      (outcomes.get(`${k.op} ${k.outcome}${k.replayed ? ' (replayed)' : ''}`) ??
        0) + 1,
    );
  figures.push(
    `idempotency keys: ${[...outcomes]
      .sort()
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')}; attempts ${record.attempts.length}`,
  );

  // --- recovery ------------------------------------------------------------------------
  const timings = faultTimings(record, faults, db.activity);
  for (const t of timings) {
    figures.push(
      `fault ${t.name}: down ${seconds(t.startedAt - t.injectedAt)}, accepting ${seconds(t.acceptingAt === undefined ? undefined : t.acceptingAt - t.startedAt)} after start; ` +
        `API unavailable ${seconds(t.unavailableMs)} (${t.failures} failed answers), API back ${seconds(t.apiBackMs)} after accepting; ` +
        `events flowing ${seconds(t.eventsFlowingMs)} after accepting; ${t.outageRows} rows committed meanwhile, ${t.outageMissing} never delivered, caught up ${seconds(t.caughtUpMs)}; ` +
        `healed ${seconds(t.healedMs)} after the restart`,
    );
  }
  const postgres = timings.filter((t) => t.kind === 'postgres');
  check(
    'api-after-postgres',
    postgres.length > 0 &&
      postgres.every(
        (t) =>
          t.apiBackMs !== undefined &&
          t.apiBackMs <= TARGETS.apiAfterPostgresMs,
      ),
    `API available within ${TARGETS.apiAfterPostgresMs / 1000} s of PostgreSQL accepting connections: ${postgres.map((t) => seconds(t.apiBackMs)).join(', ') || 'no PostgreSQL fault ran'}`,
  );
  const broker = timings.filter((t) => t.kind === 'broker');
  check(
    'events-after-broker',
    broker.length > 0 &&
      broker.every(
        (t) =>
          t.eventsFlowingMs !== undefined &&
          t.eventsFlowingMs <= TARGETS.eventsAfterBrokerMs,
      ),
    `events flowing within ${TARGETS.eventsAfterBrokerMs / 1000} s of the broker accepting connections: ${broker.map((t) => seconds(t.eventsFlowingMs)).join(', ') || 'no broker fault ran'}`,
  );
  return { checks, figures, timings };
}
