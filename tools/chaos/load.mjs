// The chaos suite's load client, a process of its own (forked by run.mjs, which
// injects the faults): people sign up and sign in through the gateway, each
// holds an activity stream open, deposits, then sends money round a ring, every
// request retried on 502/503/504 and connection errors with the same
// Idempotency-Key, as the API docs ask of a client. A probe reads one account
// every 250 ms, so an outage is measured to a quarter of a second.
// It records every attempt and every event received, and hands the record
// over when run.mjs says `finish`. Talks to run.mjs over the IPC channel.
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { register, send, signIn } from './http.mjs';
import { ActivityStream } from './sse.mjs';

const BASE = process.env.CHAOS_BASE_URL ?? 'http://localhost:8080';
const USERS = Number(process.env.CHAOS_USERS ?? 6);
const RUN = process.env.CHAOS_RUN_ID ?? randomBytes(4).toString('hex');
// Each person's pace: the API allows 60 money requests per person per minute
// (MONEY_RATE_LIMIT_PER_MINUTE); one every 1.4 s leaves room for the retries.
const PACE_MS = Number(process.env.CHAOS_PACE_MS ?? 1400);
const GIVE_UP_MS = Number(process.env.CHAOS_GIVE_UP_MS ?? 45_000);
const RECORD = process.env.CHAOS_RECORD;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (message) => process.send?.(message);
const log = (line) => console.log(`[chaos-load] ${line}`);

const attempts = [];
const keys = [];
const probe = [];
let users = [];
let streams = [];
let stopping = false;
let stopDeadline = Infinity;

const retryable = (answer) =>
  answer.error !== undefined ||
  answer.status === 502 ||
  answer.status === 503 ||
  answer.status === 504;

/** One money request with its Idempotency-Key, retried until it has an answer that is not "try again". */
async function idempotent(user, op, body, key) {
  const record = {
    key,
    op,
    user: user.index,
    body,
    outcome: 'pending',
    firstAt: Date.now(),
  };
  keys.push(record);
  await settle(user, record);
  return record;
}

async function settle(
  user,
  record,
  giveUpAt = Math.min(Date.now() + GIVE_UP_MS, stopDeadline),
) {
  const url = `${BASE}/api/${record.op === 'transfer' ? 'transfers' : 'deposits'}`;
  for (let attempt = 0; ; attempt += 1) {
    const answer = await send(user.jar, url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': record.key,
        'x-csrf-token': user.jar.get('csrf_token') ?? '',
      },
      body: JSON.stringify(record.body),
      timeoutMs: 10_000,
    });
    attempts.push({
      op: record.op,
      key: record.key,
      user: user.index,
      status: answer.status,
      error: answer.error,
      start: answer.start,
      end: answer.end,
    });
    if (answer.status >= 200 && answer.status < 300) {
      const body = JSON.parse(answer.text);
      Object.assign(record, {
        outcome: 'created',
        status: answer.status,
        id: body.transferId ?? body.depositId,
        amount: body.amount,
      });
      if (answer.headers.get('idempotent-replayed') === 'true')
        record.replayed = true;
      return;
    }
    const again = retryable(answer) || answer.status === 429;
    if (again && Date.now() < giveUpAt) {
      // Faster than the gateway's Retry-After (10 s), so recovery is seen within a second or two.
      const retryAfter = Number(answer.headers?.get('retry-after'));
      const backoff =
        Math.min(2000, 200 * 2 ** Math.min(attempt, 4)) *
        (0.75 + Math.random() / 2);
      await sleep(
        answer.status === 429 && retryAfter > 0
          ? Math.min(retryAfter * 1000, 5000)
          : backoff,
      );
      continue;
    }
    if (again)
      Object.assign(record, {
        outcome: 'gave-up',
        status: answer.status,
        error: answer.error,
      });
    else
      Object.assign(record, {
        outcome: answer.status >= 500 ? 'failed' : 'refused',
        status: answer.status,
        code: safeCode(answer.text),
      });
    return;
  }
}

function safeCode(text) {
  try {
    return JSON.parse(text).code;
  } catch {
    return undefined;
  }
}

async function transferWorker(user, to) {
  for (let n = 0; !stopping; n += 1) {
    const started = Date.now();
    const key = `chaos-${RUN}-${user.index}-${n}`;
    // The key is also the note, so the checks find the rows a key produced.
    await idempotent(
      user,
      'transfer',
      {
        recipientEmail: to.email,
        amount: 1 + Math.floor(Math.random() * 500),
        note: key,
      },
      key,
    );
    await sleep(Math.max(0, PACE_MS - (Date.now() - started)));
  }
}

async function probeLoop(user) {
  while (!stopping) {
    const answer = await send(user.jar, `${BASE}/api/account`, {
      timeoutMs: 3000,
    });
    probe.push({
      status: answer.status,
      error: answer.error,
      start: answer.start,
      end: answer.end,
    });
    await sleep(250);
  }
}

async function setUp() {
  const people = Array.from({ length: USERS }, (_, index) => ({
    index,
    email: `chaos-${RUN}-${index}@chaos.flotilla.test`,
    displayName: `Chaos ${RUN.slice(0, 4)} ${index}`,
    password: `chaos rides the flotilla ${RUN} ${index} ${randomBytes(6).toString('hex')}`,
  }));
  for (const person of people) await register(BASE, person);
  log(`${USERS} people registered`);
  users = [];
  for (const person of people)
    users.push({ ...person, jar: await signIn(BASE, person) });
  for (const user of users) {
    for (let tries = 0; ; tries += 1) {
      const answer = await send(user.jar, `${BASE}/api/account`);
      if (answer.status === 200) {
        Object.assign(user, {
          userId: JSON.parse(answer.text).userId,
          accountId: JSON.parse(answer.text).accountId,
        });
        break;
      }
      if (tries > 40)
        throw new Error(
          `GET /api/account for ${user.email} answered ${answer.status ?? answer.error}`,
        );
      await sleep(250);
    }
  }
  log(`${USERS} people signed in through the BFF, accounts open`);
  streams = users.map((user) => new ActivityStream(BASE, user.jar, user.email));
  for (const stream of streams) void stream.run();
  const openBy = Date.now() + 20_000;
  while (
    !streams.every((s) => s.connections.some((c) => c.status === 200)) &&
    Date.now() < openBy
  )
    await sleep(100);
  if (!streams.every((s) => s.connections.some((c) => c.status === 200)))
    throw new Error('not every activity stream opened within 20 s');
  for (const user of users) {
    for (let d = 0; d < 2; d += 1)
      await idempotent(
        user,
        'deposit',
        { amount: 100_000 },
        `chaos-${RUN}-${user.index}-deposit-${d}`,
      );
  }
  log(
    `streams open; deposits ${keys.filter((k) => k.outcome === 'created').length} of ${keys.length} answered 201`,
  );
}

let workers = [];

process.on('message', async (message) => {
  try {
    if (message.type === 'go') {
      workers = users.map((user, i) =>
        transferWorker(user, users[(i + 1) % users.length]),
      );
      workers.push(probeLoop(users[0]));
    } else if (message.type === 'stop') {
      stopping = true;
      stopDeadline = Date.now() + 20_000;
      await Promise.all(workers);
      say({ type: 'stopped', keys: keys.length });
    } else if (message.type === 'counts') {
      say({
        type: 'counts',
        received: Object.fromEntries(
          users.map((user, i) => [
            user.userId,
            new Set(streams[i].receipts.map((r) => r.sequence)).size,
          ]),
        ),
      });
    } else if (message.type === 'resolve') {
      // Keys that never got an answer are sent again now the stack has healed,
      // as a client would: each ends with 201 or a refusal, never unknown.
      const open = keys.filter((k) => k.outcome === 'gave-up');
      stopDeadline = Infinity;
      for (const record of open)
        await settle(users[record.user], record, Date.now() + 15_000);
      say({ type: 'resolved', resent: open.length });
    } else if (message.type === 'finish') {
      for (const stream of streams) stream.stop();
      const record = {
        run: RUN,
        users: users.map(({ index, email, userId, accountId }) => ({
          index,
          email,
          userId,
          accountId,
        })),
        keys,
        attempts,
        probe,
        streams: streams.map((s, i) => ({
          userId: users[i].userId,
          receipts: s.receipts,
          connections: s.connections,
        })),
      };
      writeFileSync(RECORD, JSON.stringify(record));
      say({ type: 'finished' });
      setTimeout(() => process.exit(0), 100);
    }
  } catch (error) {
    say({ type: 'error', message: String(error?.stack ?? error) });
  }
});

setUp().then(
  () =>
    say({
      type: 'ready',
      users: users.map(({ index, email, userId }) => ({
        index,
        email,
        userId,
      })),
    }),
  (error) => {
    say({ type: 'error', message: `set-up failed: ${error?.stack ?? error}` });
    setTimeout(() => process.exit(1), 100);
  },
);
