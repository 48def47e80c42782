// The swarm suite's judgements, pure functions of what run.mjs recorded (the
// load client's attempts and stream receipts, the api's request log lines,
// the activity rows), so each can be shown failing on a broken input
// (checks.test.mjs) without a swarm.

/** The api task of one `docker service logs` line ("stack_api.2.x@node    | {...}"), and its JSON. */
export function parseServiceLogLine(line) {
  const bar = line.indexOf('|');
  if (bar < 0) return undefined;
  const task = line.slice(0, bar).trim();
  try {
    return { task, entry: JSON.parse(line.slice(bar + 1).trim()) };
  } catch {
    return undefined;
  }
}

/** Request log lines with this user-agent, counted per task. */
export function requestsPerTask(lines, userAgent, path) {
  const counts = new Map();
  for (const line of lines) {
    const parsed = parseServiceLogLine(line);
    if (!parsed) continue;
    const { entry, task } = parsed;
    if (entry['user_agent.original'] !== userAgent) continue;
    if (path && entry['url.path'] !== path) continue;
    counts.set(task, (counts.get(task) ?? 0) + 1);
  }
  return counts;
}

/**
 * The api replicas (upstream addresses) that held the streams with these
 * user-agents, from the gateway's access log: a stream is hijacked by the api,
 * so the api logs no line for it; the gateway logs one when it ends.
 */
export function streamUpstreams(lines, userAgents) {
  const wanted = new Set(userAgents);
  const upstreams = new Set();
  for (const line of lines) {
    const parsed = parseServiceLogLine(line);
    if (!parsed || !wanted.has(parsed.entry.user_agent)) continue;
    if (!String(parsed.entry.uri ?? '').startsWith('/api/activity/stream')) continue;
    // "a:3000, b:3000" when nginx tried a second upstream: the last one answered.
    const last = String(parsed.entry.upstream ?? '').split(/,\s*/).pop();
    if (last && parsed.entry.status === 200) upstreams.add(last);
  }
  return upstreams;
}

/** Spread: every one of `replicas` tasks served at least one of the `sent` requests, and all were logged. */
export function spread(counts, replicas, sent) {
  const logged = [...counts.values()].reduce((a, b) => a + b, 0);
  return {
    ok: counts.size >= replicas && logged === sent,
    detail: `${sent} GET /api/account, ${logged} in the api request logs, over ${counts.size} of ${replicas} replicas (${[...counts.values()].join('/')})`,
  };
}

const isFailure = (a) => a.error !== undefined || a.status >= 500;

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The requests the load client sent during [start, end]: total, failed (no answer or 5xx), p99 in ms. */
export function windowFigures(attempts, { start, end }) {
  const inside = attempts.filter((a) => a.start >= start && a.start <= end);
  const failed = inside.filter(isFailure);
  return {
    sent: inside.length,
    failed: failed.length,
    statuses: failed.map((a) => a.status ?? a.error),
    p99: percentile(inside.map((a) => a.end - a.start), 99),
  };
}

/** Every activity row of each user reached that user's stream, once. */
export function liveEvents(streams, activity) {
  let rows = 0;
  let missing = 0;
  let duplicated = 0;
  for (const stream of streams) {
    const expected = new Set((activity.get(stream.userId) ?? []).map(String));
    rows += expected.size;
    const counts = new Map();
    for (const r of stream.receipts) counts.set(String(r.sequence), (counts.get(String(r.sequence)) ?? 0) + 1);
    for (const sequence of expected) if (!counts.has(sequence)) missing += 1;
    for (const count of counts.values()) if (count > 1) duplicated += count - 1;
  }
  return {
    ok: rows > 0 && missing === 0 && duplicated === 0,
    rows,
    missing,
    duplicated,
  };
}

/** Every idempotency key ended with a 2xx (none given up, none failed). */
export function keysSettled(keys) {
  const open = keys.filter((k) => k.outcome !== 'created');
  return {
    ok: keys.length > 0 && open.length === 0,
    detail: `${keys.length} idempotency keys, ${keys.length - open.length} created${open.length ? `; not: ${open
      .slice(0, 5)
      .map((k) => `${k.key}=${k.outcome}/${k.status ?? k.error}`)
      .join(', ')}` : ''}`,
  };
}
