// Compose ↔ Kubernetes parity: reads docker-compose.yml (interpolated with an
// env file, as `docker compose --env-file` would) and the rendered manifests
// of one overlay, and lists every drift between the two, in both directions:
// services, images, ports, env keys, secrets, probes, memory limits, networks
// (pod labels and NetworkPolicies). tools/k8s/check.mjs runs it on every
// overlay and also feeds it drifted inputs to see each rule fail.
//
// The pairing rule: a Kubernetes container (not an init container) is named
// after the compose service it runs. Compose services that have no
// counterpart on purpose are listed, with the reason, in deploy/k8s/parity.json.
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';

/** `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR:+alt}`, `$$`, as Compose does. */
export function interpolate(text, env) {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])((?:[^{}]|\{[^{}]*\})*))?\}/g, (match, name, colon, op, arg) => {
    if (match === '$$') return '$';
    const value = env[name];
    const unset = value === undefined || (colon === ':' && value === '');
    if (!op) return value ?? '';
    if (op === '-') return unset ? interpolate(arg, env) : value;
    if (op === '+') return unset ? '' : interpolate(arg, env);
    if (unset) throw new Error(`compose: ${name} is required (${arg})`);
    return value;
  });
}

/** KEY=value lines of a compose env file (comments and blank lines skipped). */
export function readEnvFile(path) {
  const env = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

export function loadCompose(path, env = {}) {
  return parse(interpolate(readFileSync(path, 'utf8'), env), { merge: true });
}

export function loadManifests(text) {
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter(Boolean);
}

const BYTES = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, K: 1000, M: 1000 ** 2, G: 1000 ** 3 };
/** "384m" (compose, binary) or "384Mi" / "400M" (Kubernetes) → bytes. */
export function bytes(value) {
  if (value === undefined || value === null) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(String(value).trim());
  if (!m) return NaN;
  const unit = m[2];
  const factor = BYTES[unit] ?? BYTES[unit.toLowerCase()];
  return factor === undefined ? NaN : Math.round(Number(m[1]) * factor);
}

/** The probe a healthcheck test / Kubernetes probe stands for: "GET :port/path" or "exec cmd…". */
function composeProbe(healthcheck, environment = {}) {
  if (!healthcheck || healthcheck.disable || !healthcheck.test) return undefined;
  let test = healthcheck.test;
  if (typeof test === 'string') test = ['CMD-SHELL', test];
  const [kind, ...args] = test;
  if (kind === 'NONE') return undefined;
  const line = args.join(' ');
  // "http://127.0.0.1:3000/healthz", or the Node one-liner's
  // "http://127.0.0.1:' + process.env.PORT + '/healthz" (the service's PORT).
  const url = /https?:\/\/(?:127\.0\.0\.1|localhost)(?::(\d+)|(:' \+ process\.env\.PORT \+ '))?(\/[^\s'"?]*)?/.exec(line);
  if (url && /\b(curl|wget|fetch)\b/.test(line)) {
    const port = url[1] ?? (url[2] ? (Array.isArray(environment) ? undefined : environment.PORT) : 80);
    return `GET :${port}${url[3] ?? '/'}`;
  }
  return kind === 'CMD-SHELL' ? `exec sh -c ${line}` : `exec ${line}`;
}
function k8sProbe(probe, ports) {
  if (!probe) return undefined;
  if (probe.httpGet) {
    const port = typeof probe.httpGet.port === 'string' ? ports.find((p) => p.name === probe.httpGet.port)?.containerPort : probe.httpGet.port;
    return `GET :${port}${probe.httpGet.path ?? '/'}`;
  }
  if (probe.exec) return `exec ${probe.exec.command.join(' ')}`;
  return `${Object.keys(probe).find((k) => /Get|Socket|grpc/.test(k))}`;
}

const list = (value) => (Array.isArray(value) ? value : value ? Object.keys(value) : []);
const envKeys = (environment) =>
  Array.isArray(environment) ? environment.map((e) => String(e).split('=')[0]) : Object.keys(environment ?? {});
const repo = (image) => String(image ?? '').replace(/@.*$/, '').replace(/:[^/:]+$/, '');
const tag = (image) => /:([^/:@]+)(?:@|$)/.exec(String(image ?? ''))?.[1] ?? 'latest';
const sameSet = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));
const fmt = (set) => `[${[...set].sort().join(', ')}]`;

function composePorts(service) {
  const ports = new Set();
  for (const p of service.ports ?? []) {
    if (typeof p === 'object') ports.add(Number(p.target));
    else ports.add(Number(String(p).split('/')[0].split(':').at(-1)));
  }
  for (const p of service.expose ?? []) ports.add(Number(String(p).split('/')[0]));
  return ports;
}

/** Every container of every workload, with its pod and kind. */
function k8sContainers(docs) {
  const out = [];
  for (const doc of docs) {
    const template = doc.kind === 'CronJob' ? doc.spec?.jobTemplate?.spec?.template : doc.spec?.template;
    if (!template?.spec?.containers) continue;
    for (const container of template.spec.containers) out.push({ workload: doc, pod: template, container });
  }
  return out;
}

/** Which env keys a container gets: env[] and every envFrom ConfigMap's / Secret's keys. */
function k8sEnvKeys(container, docs, problems, where) {
  const keys = new Set((container.env ?? []).map((e) => e.name));
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const source = docs.find((d) => d.kind === kind && d.metadata?.name === ref?.name);
    if (!source) {
      problems.push(`${where}: envFrom ${kind} ${ref?.name} is not in the manifests`);
      continue;
    }
    for (const k of Object.keys({ ...source.data, ...source.stringData })) keys.add((from.prefix ?? '') + k);
  }
  return keys;
}

/** Files a container sees under /run/secrets, and the Secret (name, key) behind each. */
function k8sSecretFiles(container, pod) {
  const files = new Map();
  for (const mount of container.volumeMounts ?? []) {
    if (!mount.mountPath.startsWith('/run/secrets')) continue;
    const volume = (pod.spec.volumes ?? []).find((v) => v.name === mount.name);
    const sources = volume?.projected ? volume.projected.sources.map((s) => s.secret).filter(Boolean) : volume?.secret ? [{ ...volume.secret, name: volume.secret.secretName }] : [];
    for (const source of sources) {
      for (const item of source.items ?? []) files.set(`${mount.mountPath}/${item.path}`.replace(/\/+/g, '/'), { secret: source.name, key: item.key });
    }
  }
  return files;
}

/**
 * Lists the drifts between a compose model and rendered manifests.
 * options.exclusions: { composeOnly: { service: reason } } (deploy/k8s/parity.json).
 * options.checkSecretObjects: the manifests must contain every Secret they mount
 * (dev renders them; staging/prod expect them in the cluster).
 */
export function parity(compose, docs, options = {}) {
  const problems = [];
  const composeOnly = options.exclusions?.composeOnly ?? {};
  const services = Object.entries(compose.services ?? {}).filter(([, s]) => !s.profiles?.length);
  const containers = k8sContainers(docs);
  const byName = new Map();
  for (const c of containers) {
    const seen = byName.get(c.container.name);
    if (seen) problems.push(`service ${c.container.name}: two Kubernetes containers carry its name (${seen.workload.kind}/${seen.workload.metadata.name}, ${c.workload.kind}/${c.workload.metadata.name})`);
    byName.set(c.container.name, c);
  }

  // --- services, both directions ------------------------------------------------
  for (const [name] of services) {
    if (composeOnly[name]) {
      if (byName.has(name)) problems.push(`service ${name}: listed in parity.json as compose-only, but a Kubernetes container runs it`);
      continue;
    }
    if (!byName.has(name)) problems.push(`service ${name}: in docker-compose.yml, no Kubernetes container named ${name}`);
  }
  for (const name of Object.keys(composeOnly)) {
    if (!services.some(([n]) => n === name)) problems.push(`parity.json: ${name} is not a compose service`);
  }
  for (const [name, c] of byName) {
    if (!services.some(([n]) => n === name)) problems.push(`service ${name}: ${c.workload.kind}/${c.workload.metadata.name} runs a container that no compose service matches`);
  }

  const netLabels = (pod) =>
    new Set(Object.entries(pod.metadata?.labels ?? {}).filter(([k, v]) => k.startsWith('flotilla.dev/network-') && v === 'true').map(([k]) => k.slice('flotilla.dev/network-'.length)));

  for (const [name, service] of services) {
    const c = byName.get(name);
    if (!c) continue;
    const where = `service ${name}`;
    const { container, pod, workload } = c;
    const oneShot = service.restart === 'no';
    if (oneShot !== (workload.kind === 'Job')) problems.push(`${where}: compose restart "${service.restart ?? 'no policy'}" but Kubernetes kind ${workload.kind}`);

    // image: repository and tag
    if (repo(service.image) !== repo(container.image) || tag(service.image) !== tag(container.image)) problems.push(`${where}: image ${service.image} in compose, ${container.image} in Kubernetes`);

    // ports
    const cPorts = composePorts(service);
    const kPorts = new Set((container.ports ?? []).map((p) => Number(p.containerPort)));
    if (!sameSet(cPorts, kPorts)) problems.push(`${where}: ports ${fmt(cPorts)} in compose (ports/expose), ${fmt(kPorts)} in Kubernetes`);

    // env keys
    const cEnv = new Set(envKeys(service.environment));
    const kEnv = k8sEnvKeys(container, docs, problems, where);
    for (const k of cEnv) if (!kEnv.has(k)) problems.push(`${where}: env ${k} is set in compose, not in Kubernetes`);
    for (const k of kEnv) if (!cEnv.has(k)) problems.push(`${where}: env ${k} is set in Kubernetes, not in compose`);

    // secrets: the files under /run/secrets
    const cSecrets = new Set((service.secrets ?? []).map((s) => `/run/secrets/${typeof s === 'string' ? s : (s.target ?? s.source)}`));
    const kFiles = k8sSecretFiles(container, pod);
    for (const f of cSecrets) if (!kFiles.has(f)) problems.push(`${where}: secret ${f} is mounted in compose, not in Kubernetes`);
    for (const f of kFiles.keys()) if (!cSecrets.has(f)) problems.push(`${where}: secret ${f} is mounted in Kubernetes, not in compose`);
    if (options.checkSecretObjects) {
      for (const [file, ref] of kFiles) {
        const secret = docs.find((d) => d.kind === 'Secret' && d.metadata?.name === ref.secret);
        if (!secret || !(ref.key in { ...secret.data, ...secret.stringData })) problems.push(`${where}: ${file} comes from Secret ${ref.secret} key ${ref.key}, which the manifests do not contain`);
      }
    }

    // probes: liveness is the compose healthcheck; the Node services are ready on /readyz
    const cProbe = composeProbe(service.healthcheck, service.environment);
    const kLive = k8sProbe(container.livenessProbe, container.ports ?? []);
    if (cProbe !== kLive) problems.push(`${where}: healthcheck ${cProbe ?? '(none)'} in compose, liveness probe ${kLive ?? '(none)'} in Kubernetes`);
    if (cProbe?.endsWith('/healthz') && /^flotilla\/(api|auth)$/.test(repo(service.image))) {
      const ready = k8sProbe(container.readinessProbe, container.ports ?? []);
      const want = cProbe.replace(/\/healthz$/, '/readyz');
      if (ready !== want) problems.push(`${where}: readiness probe ${ready ?? '(none)'} in Kubernetes, want ${want}`);
    }

    // memory limit
    const cMem = bytes(service.mem_limit ?? service.deploy?.resources?.limits?.memory);
    const kMem = bytes(container.resources?.limits?.memory);
    if (cMem !== kMem) problems.push(`${where}: memory limit ${service.mem_limit ?? '(none)'} in compose, ${container.resources?.limits?.memory ?? '(none)'} in Kubernetes`);

    // networks: the pod's labels; a sidecar's networks are a subset of its pod's
    const cNets = new Set(list(service.networks));
    const kNets = netLabels(pod);
    const primary = container.name === workload.metadata.name;
    if (primary ? !sameSet(cNets, kNets) : ![...cNets].every((n) => kNets.has(n))) {
      problems.push(`${where}: networks ${fmt(cNets)} in compose, pod labels ${fmt(kNets)} in Kubernetes${primary ? '' : ' (sidecar: must include them)'}`);
    }
  }

  // --- network rules: one NetworkPolicy per compose network, both directions ---------
  const policies = docs.filter((d) => d.kind === 'NetworkPolicy' && d.metadata.name.startsWith('network-'));
  const composeNets = compose.networks ?? {};
  for (const [net, def] of Object.entries(composeNets)) {
    const label = `flotilla.dev/network-${net}`;
    const policy = policies.find((p) => p.metadata.name === `network-${net}`);
    if (!policy) {
      problems.push(`network ${net}: no NetworkPolicy network-${net}`);
      continue;
    }
    if (policy.spec.podSelector?.matchLabels?.[label] !== 'true') problems.push(`network ${net}: NetworkPolicy network-${net} does not select ${label}`);
    const egress = policy.spec.egress ?? [];
    const open = egress.some((e) => (e.to ?? []).some((t) => t.ipBlock?.cidr === '0.0.0.0/0'));
    if (def?.internal && open) problems.push(`network ${net}: internal in compose, but its NetworkPolicy allows egress anywhere`);
    if (!def?.internal && !open) problems.push(`network ${net}: not internal in compose (a route out), but its NetworkPolicy allows no egress out`);
    if (def?.internal) {
      const peersOnly = (rules, dir) => rules.length > 0 && rules.every((r) => (r[dir] ?? []).length > 0 && r[dir].every((p) => p.podSelector?.matchLabels?.[label] === 'true' && !p.namespaceSelector && !p.ipBlock));
      if (!peersOnly(policy.spec.ingress ?? [], 'from')) problems.push(`network ${net}: internal in compose, but NetworkPolicy network-${net} admits ingress from outside the network`);
      if (!peersOnly(egress, 'to')) problems.push(`network ${net}: internal in compose, but NetworkPolicy network-${net} allows egress outside the network`);
    }
  }
  for (const p of policies) {
    const net = p.metadata.name.slice('network-'.length);
    if (!(net in composeNets)) problems.push(`network ${net}: NetworkPolicy ${p.metadata.name} has no compose network`);
  }
  const denyAll = docs.find((d) => d.kind === 'NetworkPolicy' && d.spec?.podSelector && Object.keys(d.spec.podSelector).length === 0 && !d.spec.ingress && !d.spec.egress && (d.spec.policyTypes ?? []).length === 2);
  if (!denyAll) problems.push('networks: no default-deny NetworkPolicy (ingress and egress), so pods off a network could still talk');
  return problems;
}
