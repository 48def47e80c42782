// The fault side of the chaos suite: the containers of this stack project only
// (found by their Compose labels), killed, started and probed with the Docker
// CLI; the stack's databases and broker are read inside their containers
// (psql, rabbitmqctl), as tools/stack/checks/10-trace.sh does.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The stack project: STACK_PROJECT, or the `-p` of STACK_COMPOSE (both set by tools/stack/e2e.sh). */
export function stackProject() {
  const line = process.env.STACK_COMPOSE;
  if (!line)
    throw new Error(
      'STACK_COMPOSE is not set: run me from tools/stack/checks/90-chaos.sh (tools/stack/e2e.sh sets it)',
    );
  const project =
    process.env.STACK_PROJECT ||
    /(?:^|\s)(?:-p|--project-name)[\s=](\S+)/.exec(line)?.[1];
  if (!project)
    throw new Error(
      `no project name in STACK_COMPOSE (${line}) and no STACK_PROJECT`,
    );
  return project;
}

export async function docker(...args) {
  const { stdout } = await run('docker', args, {
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim();
}

/** Succeeds (true) or fails (false) without throwing: for probes. */
async function quietly(...args) {
  try {
    await run('docker', args, { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The container of each service of this stack project, by the labels Compose
 * puts on it (v1 and v2 alike). A container keeps its id across kill and
 * start. Found with `docker ps` rather than `$STACK_COMPOSE ps -q`, and every
 * command below runs with `docker exec` rather than `$STACK_COMPOSE exec -T`:
 * Compose v1 takes seconds to start on a busy machine, too coarse to time a
 * recovery, and the suite must stay inside its stage budget.
 */
export async function containerIds(services) {
  const project = stackProject();
  const ids = {};
  for (const service of services) {
    ids[service] = await docker(
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    );
    if (!ids[service] || ids[service].includes('\n'))
      throw new Error(
        `expected one running container of service ${service} in project ${project}, found "${ids[service]}"`,
      );
  }
  return ids;
}

/** One psql query in the postgres container, as the superuser over its socket; rows as arrays of strings. */
export async function psql(postgresId, database, sql) {
  const out = await docker(
    'exec',
    postgresId,
    'psql',
    '-U',
    'postgres',
    '-d',
    database,
    '-v',
    'ON_ERROR_STOP=1',
    '-AtF',
    '\t',
    '-c',
    sql,
  );
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

/** `rabbitmqctl list_queues name messages` in the rabbitmq container (every vhost). */
export async function queues(rabbitmqId) {
  const vhosts = (
    await docker(
      'exec',
      rabbitmqId,
      'rabbitmqctl',
      'list_vhosts',
      '-q',
      '--no-table-headers',
    )
  )
    .split('\n')
    .map((v) => v.trim())
    .filter(Boolean);
  const all = [];
  for (const vhost of vhosts) {
    const out = await docker(
      'exec',
      rabbitmqId,
      'rabbitmqctl',
      'list_queues',
      '-p',
      vhost,
      '-q',
      '--no-table-headers',
      'name',
      'messages',
    );
    for (const parts of out
      .split('\n')
      .map((line) => line.trim().split(/\s+/))) {
      if (parts.length === 2 && /^\d+$/.test(parts[1]))
        all.push({ name: parts[0], messages: Number(parts[1]), vhost });
    }
  }
  return all;
}

/** PostgreSQL accepts connections over TCP (what the services use). */
export const postgresAccepting = (id) =>
  quietly(
    'exec',
    id,
    'pg_isready',
    '-q',
    '-h',
    '127.0.0.1',
    '-U',
    'postgres',
    '-d',
    'ledger',
  );

/**
 * RabbitMQ accepts AMQP connections: after the protocol header it sends
 * Connection.Start, a method frame (type octet 1) (AMQP 0-9-1 §4.2.2).
 */
export async function brokerAccepting(id) {
  try {
    const { stdout } = await run(
      'docker',
      [
        'exec',
        id,
        'bash',
        '-c',
        `exec 3<>/dev/tcp/127.0.0.1/5672 && printf 'AMQP\\0\\0\\011\\001' >&3 && timeout 2 head -c 1 <&3 | od -An -tx1`,
      ],
      { timeout: 5_000 },
    );
    return stdout.trim() === '01';
  } catch {
    return false;
  }
}

/** The api process answers HTTP: any answer through the gateway that is not the gateway's 502/503/504. */
export async function apiAnswering(base) {
  try {
    const response = await fetch(`${base}/api/me`, {
      signal: AbortSignal.timeout(2_000),
    });
    await response.text();
    return ![502, 503, 504].includes(response.status);
  } catch {
    return false;
  }
}

export async function waitFor(probe, { timeoutMs, everyMs = 200 }) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe()) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return undefined;
}

/** The newest activity sequence, or undefined while PostgreSQL does not answer. */
export async function latestSequence(postgresId) {
  try {
    const { stdout } = await run(
      'docker',
      [
        'exec',
        postgresId,
        'psql',
        '-U',
        'postgres',
        '-d',
        'ledger',
        '-Atc',
        'SELECT coalesce(max(sequence), 0) FROM activity',
      ],
      {
        timeout: 10_000,
      },
    );
    return stdout.trim();
  } catch {
    return undefined;
  }
}
