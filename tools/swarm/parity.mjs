// Compose ↔ Swarm parity: reads docker-compose.yml and compose.swarm.yml
// (interpolated alike, as `docker compose` and `docker stack deploy` would)
// and lists, per service, every place where the swarm stack runs a service
// differently from the compose one: environment (keys and values),
// healthcheck, memory and pids limits, tmpfs sizes, stop_grace_period, user,
// read-only root, capabilities, init, hostname, secrets, networks, bind and
// named volumes, command, entrypoint, security_opt, logging; and the
// top-level networks and secrets.
//
// compose.swarm.yml is a file of its own (the Compose file format 3.x of
// `docker stack deploy` has no mem_limit, pids_limit, tmpfs sizes in the
// short syntax, depends_on conditions…), so the same setting is spelt
// differently in each file; both are brought to one shape here before they
// are compared. Intended differences are listed, each with its reason, in
// tools/swarm/parity.json; an entry there that matches no difference is a
// failure too, so the list cannot go stale.
//
//   node tools/swarm/parity.mjs   → "swarm-parity-checks: N passed, N failed"
// No docker needed. tools/swarm/parity.test.mjs feeds it drifted inputs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { interpolate } from '../k8s/parity.mjs';

/** Docker's RAMInBytes: "384m", "384M", "512MiB", 67108864 → bytes; units are binary whatever their case. */
export function dockerBytes(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(String(value).trim());
  if (!m) return NaN;
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2].toLowerCase()];
  return Math.round(Number(m[1]) * 1024 ** power);
}

/** A Compose duration ("1m30s", "2s", "500ms", or a number of seconds) → milliseconds. */
export function durationMs(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value * 1000;
  const text = String(value).trim();
  const unit = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 0.001,
    µs: 0.001,
    ns: 0.000001,
  };
  let total = 0;
  let rest = text;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/.exec(rest);
    if (!m) return NaN;
    total += Number(m[1]) * unit[m[2]];
    rest = rest.slice(m[0].length);
  }
  return text ? total : NaN;
}

function envMap(environment) {
  if (!environment) return {};
  if (!Array.isArray(environment)) {
    return Object.fromEntries(
      Object.entries(environment).map(([k, v]) => [
        k,
        v === null ? null : String(v),
      ]),
    );
  }
  return Object.fromEntries(
    environment.map((entry) => {
      const i = entry.indexOf('=');
      return i < 0 ? [entry, null] : [entry.slice(0, i), entry.slice(i + 1)];
    }),
  );
}

const names = (list) =>
  (list
    ? Array.isArray(list)
      ? list.map((x) => (typeof x === 'string' ? x : x.source))
      : Object.keys(list)
    : []
  ).sort();

// Docker's own defaults, so that a value spelt out on one side equals the default left out on the other.
function healthcheck(hc) {
  if (!hc) return undefined;
  if (hc.disable) return { disabled: true };
  const test = typeof hc.test === 'string' ? ['CMD-SHELL', hc.test] : hc.test;
  return {
    test: test ? JSON.stringify(test) : '(the image’s)',
    interval: durationMs(hc.interval ?? '30s'),
    timeout: durationMs(hc.timeout ?? '30s'),
    retries: hc.retries ?? 3,
    start_period: durationMs(hc.start_period ?? '0s'),
  };
}

/** Compose short tmpfs syntax "/tmp:size=32m,mode=1777" → [target, bytes]. */
function shortTmpfs(entry) {
  const [target, options = ''] = entry.split(/:(.*)/s);
  const size = /(?:^|,)size=([^,]+)/.exec(options)?.[1];
  return [target, size === undefined ? 'unlimited' : dockerBytes(size)];
}

/** A long- or short-syntax volume → [kind, target, value]. */
function volume(entry) {
  if (typeof entry === 'string') {
    const [source, target, mode] = entry.split(':');
    return ['mount', target, `${source}${mode ? `:${mode}` : ''}`];
  }
  if (entry.type === 'tmpfs')
    return [
      'tmpfs',
      entry.target,
      entry.tmpfs?.size === undefined
        ? 'unlimited'
        : dockerBytes(entry.tmpfs.size),
    ];
  return [
    'mount',
    entry.target,
    `${entry.source}${entry.read_only ? ':ro' : ''}`,
  ];
}

/**
 * One service, in one shape, from either file. `swarm` says which file's
 * spelling to read: deploy.resources.limits there, mem_limit/pids_limit here.
 */
export function serviceView(service, { swarm }) {
  const limits = service.deploy?.resources?.limits ?? {};
  const view = {
    image: service.image,
    user: service.user,
    read_only: Boolean(service.read_only),
    cap_drop: service.cap_drop
      ? [...service.cap_drop].sort().join(',')
      : undefined,
    cap_add: service.cap_add
      ? [...service.cap_add].sort().join(',')
      : undefined,
    init: Boolean(service.init),
    hostname: service.hostname,
    command:
      service.command === undefined
        ? undefined
        : JSON.stringify(service.command),
    entrypoint:
      service.entrypoint === undefined
        ? undefined
        : JSON.stringify(service.entrypoint),
    security_opt: service.security_opt
      ? [...service.security_opt].sort().join(',')
      : undefined,
    logging: service.logging ? JSON.stringify(service.logging) : undefined,
    secrets: names(service.secrets).join(','),
    networks: names(service.networks).join(','),
    healthcheck: healthcheck(service.healthcheck),
    memory: swarm ? dockerBytes(limits.memory) : dockerBytes(service.mem_limit),
    pids: swarm ? limits.pids : service.pids_limit,
    stop_grace_period: durationMs(service.stop_grace_period ?? '10s'),
    env: envMap(service.environment),
    tmpfs: {},
    volumes: {},
  };
  for (const entry of [service.tmpfs ?? []].flat()) {
    const [target, size] = shortTmpfs(entry);
    view.tmpfs[target] = size;
  }
  // shm_size is a tmpfs on /dev/shm; the swarm file can only say it as one.
  if (service.shm_size !== undefined)
    view.tmpfs['/dev/shm'] = dockerBytes(service.shm_size);
  for (const entry of service.volumes ?? []) {
    const [kind, target, value] = volume(entry);
    if (kind === 'tmpfs') view.tmpfs[target] = value;
    else view.volumes[target] = value;
  }
  return view;
}

const show = (v) =>
  v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v);

/** Every difference between two service views: [{ field, compose, swarm }]. */
export function compareServices(compose, swarm) {
  const out = [];
  const add = (field, a, b) => {
    if (show(a) !== show(b))
      out.push({ field, compose: show(a), swarm: show(b) });
  };
  for (const field of [
    'image',
    'user',
    'read_only',
    'cap_drop',
    'cap_add',
    'init',
    'hostname',
    'command',
    'entrypoint',
    'security_opt',
    'logging',
    'secrets',
    'networks',
    'memory',
    'pids',
    'stop_grace_period',
  ]) {
    add(field, compose[field], swarm[field]);
  }
  if (!compose.healthcheck || !swarm.healthcheck)
    add('healthcheck', compose.healthcheck, swarm.healthcheck);
  else
    for (const k of new Set([
      ...Object.keys(compose.healthcheck),
      ...Object.keys(swarm.healthcheck),
    ]))
      add(`healthcheck.${k}`, compose.healthcheck[k], swarm.healthcheck[k]);
  for (const group of ['env', 'tmpfs', 'volumes']) {
    for (const k of [
      ...new Set([
        ...Object.keys(compose[group]),
        ...Object.keys(swarm[group]),
      ]),
    ].sort())
      add(`${group}.${k}`, compose[group][k], swarm[group][k]);
  }
  return out;
}

/**
 * All differences between two parsed files. Compose services behind a
 * profile are not part of the core stack and are left out; a core service
 * missing from either side is a difference with field "service".
 */
export function differences(composeFile, swarmFile) {
  const out = [];
  const core = Object.entries(composeFile.services ?? {}).filter(
    ([, s]) => !s.profiles?.length,
  );
  const swarmServices = swarmFile.services ?? {};
  for (const [name, service] of core) {
    if (!swarmServices[name]) {
      out.push({
        service: name,
        field: 'service',
        compose: 'present',
        swarm: '(missing)',
      });
      continue;
    }
    for (const d of compareServices(
      serviceView(service, { swarm: false }),
      serviceView(swarmServices[name], { swarm: true }),
    ))
      out.push({ service: name, ...d });
  }
  for (const name of Object.keys(swarmServices)) {
    if (!core.some(([n]) => n === name))
      out.push({
        service: name,
        field: 'service',
        compose: '(missing)',
        swarm: 'present',
      });
  }
  // Top level: the networks' isolation, and the files each secret is read from.
  const nets = (f) =>
    Object.fromEntries(
      Object.entries(f.networks ?? {}).map(([n, v]) => [
        n,
        Boolean(v?.internal),
      ]),
    );
  const [cn, sn] = [nets(composeFile), nets(swarmFile)];
  for (const n of new Set([...Object.keys(cn), ...Object.keys(sn)])) {
    if (show(cn[n]) !== show(sn[n]))
      out.push({
        service: '(networks)',
        field: `${n}.internal`,
        compose: show(cn[n]),
        swarm: show(sn[n]),
      });
  }
  const usedBySwarm = new Set(
    Object.values(swarmServices).flatMap((s) => names(s.secrets)),
  );
  for (const [n, s] of Object.entries(composeFile.secrets ?? {})) {
    // Secrets only the profiles' services use are not the core stack's.
    if (
      !core.some(([, svc]) => names(svc.secrets).includes(n)) &&
      !usedBySwarm.has(n)
    )
      continue;
    const theirs = swarmFile.secrets?.[n];
    if (show(s?.file) !== show(theirs?.file))
      out.push({
        service: '(secrets)',
        field: n,
        compose: show(s?.file),
        swarm: show(theirs?.file),
      });
  }
  return out;
}

/**
 * Differences not allowed by the list, and list entries that allow nothing.
 * An entry is { service, field, reason }: service "*" stands for every
 * service, and a field ending in ".*" for every key under it.
 */
export function judge(diffs, allowList) {
  const problems = [];
  for (const entry of allowList) {
    if (!entry.reason || !String(entry.reason).trim())
      problems.push(
        `parity.json: the entry ${entry.service} ${entry.field} gives no reason`,
      );
  }
  const matches = (entry, d) =>
    (entry.service === '*' || entry.service === d.service) &&
    (entry.field === d.field ||
      (entry.field.endsWith('.*') &&
        d.field.startsWith(entry.field.slice(0, -1))));
  const used = new Set();
  const unexpected = [];
  for (const d of diffs) {
    const i = allowList.findIndex((e) => matches(e, d));
    if (i < 0) unexpected.push(d);
    else used.add(i);
  }
  for (const d of unexpected)
    problems.push(
      `${d.service} ${d.field}: compose ${d.compose}, swarm ${d.swarm}`,
    );
  allowList.forEach((e, i) => {
    if (!used.has(i))
      problems.push(
        `parity.json: ${e.service} ${e.field} allows a difference that is no longer there`,
      );
  });
  return { problems, allowed: diffs.length - unexpected.length };
}

/**
 * A Compose file as both tools read it: parsed first (merge keys resolved),
 * then every string interpolated. Interpolating the text before parsing
 * would turn `KEY: ${X:-}` into `KEY:`, a null, which Compose reads as
 * "take KEY from the shell", not as the empty string it is.
 */
export function loadComposeText(text, env = {}) {
  const walk = (v) =>
    typeof v === 'string'
      ? interpolate(v, env)
      : Array.isArray(v)
        ? v.map(walk)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return walk(parse(text, { merge: true }));
}

/** Both files, read with the same variables (none by default: what a plain `docker compose config` sees). */
export function loadPair(root, env = {}) {
  return {
    compose: loadComposeText(
      readFileSync(join(root, 'docker-compose.yml'), 'utf8'),
      env,
    ),
    swarm: loadComposeText(
      readFileSync(join(root, 'compose.swarm.yml'), 'utf8'),
      env,
    ),
    allow: JSON.parse(
      readFileSync(join(root, 'tools/swarm/parity.json'), 'utf8'),
    ).allow,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
  const { compose, swarm, allow } = loadPair(root);
  const diffs = differences(compose, swarm);
  const { problems, allowed } = judge(diffs, allow);
  const services = Object.keys(swarm.services ?? {}).length;
  for (const p of problems) console.log(`DRIFT: ${p}`);
  console.log(
    `compose ↔ swarm: ${services} swarm services compared, ${diffs.length} differences, ${allowed} of them allowed by tools/swarm/parity.json`,
  );
  console.log(
    `swarm-parity-checks: ${problems.length ? 0 : 1} passed, ${problems.length} failed`,
  );
  process.exit(problems.length ? 1 : 0);
}
