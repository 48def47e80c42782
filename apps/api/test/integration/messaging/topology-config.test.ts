import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { MESSAGING_TOPOLOGY } from '@flotilla/contracts';
import { DEFAULT_DELIVERY_LIMIT, DEFAULT_RETRY_POLICY, parkingQueueName, retryQueueName } from '@flotilla/messaging';
import { USER_EVENTS_QUEUE } from '../../../src/app/consumers/user-events';

/**
 * Issue 11, finding 8: the RabbitMQ policies (tools/gen-secrets.sh), the queue
 * alerts (docker/prometheus/rules/alerts.yml) and the documented numbers follow
 * the topology the code declares (MESSAGING_TOPOLOGY). Reads the files; needs
 * no broker, but bash and openssl for gen-secrets.sh.
 */
const ROOT = resolve(__dirname, '../../../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Every delay queue a consumer with the default policy declares (the distinct delays it can reach). */
const delays = [...new Set(DEFAULT_RETRY_POLICY.delaysMs.slice(0, DEFAULT_RETRY_POLICY.maxAttempts - 1))];
const declared = MESSAGING_TOPOLOGY.queues.map(({ queue }) => ({
  main: queue,
  parking: parkingQueueName(queue),
  retries: delays.map((d) => retryQueueName(queue, d)),
}));
const mains = declared.map((q) => q.main);
const parkings = declared.map((q) => q.parking);
const retries = declared.flatMap((q) => q.retries);
/** Per-replica broadcast queues (`<name>.<uuid>`, exclusive) and the broker's own. */
const transient = ['api.live-updates.4f9c2a1e-0b7d-4c3e-9a55-1d2e3f4a5b6c', 'amq.gen-JzTY20BRgKO-HjmUJj0wLg'];

interface Rule {
  alert?: string;
  expr: string;
}

function alertExpr(name: string): string {
  const groups = (parse(read('docker/prometheus/rules/alerts.yml')) as { groups: { rules: Rule[] }[] }).groups;
  const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === name);
  if (!rule) throw new Error(`no alert ${name}`);
  return rule.expr;
}

/** The `queue` matchers of a PromQL selector; Prometheus anchors label regexes at both ends. */
function queueMatcher(expr: string): (queue: string) => boolean {
  const matchers = [...expr.matchAll(/queue\s*(=~|!~)\s*"((?:[^"\\]|\\.)*)"/g)].map(([, op, literal]) => ({
    negate: op === '!~',
    regex: new RegExp(`^(?:${(JSON.parse(`"${literal}"`) as string)})$`),
  }));
  if (matchers.length === 0) throw new Error(`no queue matcher in ${expr}`);
  return (queue) => matchers.every(({ negate, regex }) => regex.test(queue) !== negate);
}

interface Policy {
  name: string;
  pattern: string;
  priority: number;
  definition: Record<string, unknown>;
}

let policies: Policy[];

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-topology-'));
  try {
    execFileSync('bash', [join(ROOT, 'tools/gen-secrets.sh')], { cwd: ROOT, env: { ...process.env, SECRETS_DIR: dir }, stdio: 'ignore' });
    policies = (JSON.parse(readFileSync(join(dir, 'rabbitmq_definitions.json'), 'utf8')) as { policies: Policy[] }).policies;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** RabbitMQ applies the one matching policy of highest priority (unanchored regex). */
function policyFor(queue: string): Policy | undefined {
  return policies.filter((p) => new RegExp(p.pattern).test(queue)).sort((a, b) => b.priority - a.priority)[0];
}

describe('configuration derived from the declared messaging topology', () => {
  it("when the api consumes user events, then its queue is one the topology declares", () => {
    expect(mains).toContain(USER_EVENTS_QUEUE);
  });

  it('when ConsumerGone selects queues, then it matches every declared work queue and none of their companions or the transient ones', () => {
    const selects = queueMatcher(alertExpr('ConsumerGone'));

    expect(mains.filter((q) => !selects(q))).toEqual([]);
    expect([...parkings, ...retries, ...transient].filter(selects)).toEqual([]);
  });

  it('when ParkingQueueNotEmpty selects queues, then it matches every declared parking queue and nothing else', () => {
    const selects = queueMatcher(alertExpr('ParkingQueueNotEmpty'));

    expect(parkings.filter((q) => !selects(q))).toEqual([]);
    expect([...mains, ...retries, ...transient].filter(selects)).toEqual([]);
  });

  it('when the broker policies apply, then every parking queue is bounded and every work queue keeps the delivery limit the code declares', () => {
    expect(parkings.map((q) => [q, policyFor(q)?.definition['max-length']])).toEqual(parkings.map((q) => [q, expect.any(Number)]));
    for (const queue of [...mains, ...retries]) {
      expect([queue, policyFor(queue)?.definition['max-length']]).toEqual([queue, undefined]);
    }
    expect(mains.map((q) => [q, policyFor(q)?.definition['delivery-limit']])).toEqual(mains.map((q) => [q, DEFAULT_DELIVERY_LIMIT]));
  });

  it('when the messaging README states the delivery limit, then it is the one the code declares', () => {
    const readme = read('libs/messaging/README.md');

    expect([...readme.matchAll(/`x-delivery-limit` (\d+)|deliveryLimit\? = (\d+)/g)].map((m) => Number(m[1] ?? m[2]))).toEqual([
      DEFAULT_DELIVERY_LIMIT,
      DEFAULT_DELIVERY_LIMIT,
    ]);
  });
});
