// The Kubernetes stage: renders every overlay of deploy/k8s with `kubectl
// kustomize`, validates each object against the Kubernetes OpenAPI schemas
// (the kubernetes-models package: one compiled JSON-schema validator per
// kind), checks the restricted Pod Security profile and resources, and checks
// each overlay against docker-compose.yml (parity.mjs). Then it feeds the
// checks drifted or broken inputs and expects each one to fail.
//   node tools/k8s/check.mjs          (tools/test.sh stage `k8s`)
// Prints "k8s-checks: N passed, N failed". Nothing here runs on a cluster.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCompose, loadManifests, parity, readEnvFile } from './parity.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const kubectl = process.env.KUBECTL ?? 'kubectl';
const exclusions = JSON.parse(readFileSync(join(root, 'deploy/k8s/parity.json'), 'utf8'));
// Each overlay mirrors docker-compose.yml read with this env file.
const overlays = [
  { name: 'dev', envFile: undefined, secrets: true },
  { name: 'staging', envFile: 'docker/env/staging.env', secrets: false },
  { name: 'prod', envFile: 'docker/env/prod.env', secrets: false },
];

let passed = 0;
let failed = 0;
function check(name, problems) {
  if (problems.length === 0) {
    passed += 1;
    console.log(`ok      ${name}`);
  } else {
    failed += 1;
    console.log(`FAILED  ${name}`);
    for (const p of problems) console.log(`          - ${p}`);
  }
}

// --- schema validation (kubernetes-models) -------------------------------------------
const modelCache = new Map();
async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!modelCache.has(key)) {
    const path = `kubernetes-models/${apiVersion}/${kind}`;
    modelCache.set(key, await import(path).then((m) => m[kind], () => undefined));
  }
  return modelCache.get(key);
}
async function schemaProblems(docs) {
  const problems = [];
  for (const doc of docs) {
    const id = `${doc.kind}/${doc.metadata?.name}`;
    const Model = await modelFor(doc.apiVersion, doc.kind);
    if (!Model) {
      problems.push(`${id}: no schema for ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    // kustomize wraps long base64 values over lines; the API server's decoder
    // (Go's encoding/base64) skips newlines, the schema's "byte" format does not.
    const data = doc.kind === 'Secret' && doc.data ? Object.fromEntries(Object.entries(doc.data).map(([k, v]) => [k, String(v).replace(/[\r\n]/g, '')])) : undefined;
    try {
      new Model(data ? { ...doc, data } : doc).validate();
    } catch (error) {
      problems.push(`${id}: ${String(error.message).split('\n').slice(0, 4).join('; ')}`);
    }
  }
  return problems;
}

// --- restricted Pod Security and resources ------------------------------------------------
// https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
function podSecurityProblems(docs) {
  const problems = [];
  for (const ns of docs.filter((d) => d.kind === 'Namespace')) {
    if (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') problems.push(`Namespace/${ns.metadata.name}: not labelled pod-security.kubernetes.io/enforce=restricted`);
  }
  if (!docs.some((d) => d.kind === 'Namespace')) problems.push('no Namespace object with the Pod Security labels');
  for (const doc of docs) {
    const pod = doc.kind === 'CronJob' ? doc.spec?.jobTemplate?.spec?.template : doc.spec?.template;
    if (!pod?.spec?.containers) continue;
    const spec = pod.spec;
    const id = `${doc.kind}/${doc.metadata.name}`;
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${id}: host namespaces`);
    if ((spec.volumes ?? []).some((v) => v.hostPath)) problems.push(`${id}: hostPath volume`);
    if (spec.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${id}: pod seccompProfile is not RuntimeDefault`);
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      const sc = c.securityContext ?? {};
      const cid = `${id} container ${c.name}`;
      if (!(sc.runAsNonRoot ?? spec.securityContext?.runAsNonRoot)) problems.push(`${cid}: runAsNonRoot not set`);
      if ((sc.runAsUser ?? spec.securityContext?.runAsUser) === 0) problems.push(`${cid}: runs as uid 0`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${cid}: allowPrivilegeEscalation is not false`);
      if (sc.privileged) problems.push(`${cid}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${cid}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE')) problems.push(`${cid}: adds capabilities`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${cid}: root filesystem is writable`);
      for (const kind of ['requests', 'limits']) {
        for (const r of ['cpu', 'memory']) if (!c.resources?.[kind]?.[r]) problems.push(`${cid}: no ${r} ${kind}`);
      }
    }
  }
  return problems;
}

function issueCoverageProblems(docs) {
  const problems = [];
  const find = (kind, name) => docs.find((d) => d.kind === kind && d.metadata.name === name);
  for (const name of ['web', 'api', 'auth', 'gateway']) if (!find('Deployment', name)) problems.push(`no Deployment ${name}`);
  for (const name of ['postgres', 'rabbitmq']) if (!find('StatefulSet', name)) problems.push(`no StatefulSet ${name}`);
  for (const name of ['api-migrate', 'auth-migrate', 'auth-seed']) if (!find('Job', name)) problems.push(`no Job ${name}`);
  for (const name of ['web', 'api', 'auth', 'gateway', 'postgres', 'rabbitmq']) if (!find('Service', name)) problems.push(`no Service ${name}`);
  if (!find('PodDisruptionBudget', 'api')) problems.push('no PodDisruptionBudget for api');
  const hpa = find('HorizontalPodAutoscaler', 'api');
  if (hpa?.spec?.scaleTargetRef?.name !== 'api') problems.push('no HorizontalPodAutoscaler scaling the api Deployment');
  if (!docs.some((d) => d.kind === 'Ingress')) problems.push('no Ingress');
  for (const name of ['api', 'auth']) {
    const d = find('Deployment', name);
    if (d && !(d.spec.template.spec.initContainers ?? []).some((c) => c.name === 'wait-for-migrations')) problems.push(`Deployment ${name} does not wait for its migrations`);
  }
  for (const doc of docs.filter((d) => ['Deployment', 'StatefulSet'].includes(d.kind))) {
    if (doc.spec.template.metadata?.annotations?.['prometheus.io/scrape'] !== 'true' && doc.metadata.name !== 'web') problems.push(`${doc.kind}/${doc.metadata.name}: no prometheus.io/scrape annotation`);
  }
  return problems;
}

function render(overlay) {
  return execFileSync(kubectl, ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', join(root, 'deploy/k8s/overlays', overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const rendered = {};
for (const overlay of overlays) {
  let docs = [];
  try {
    docs = loadManifests(render(overlay.name));
    rendered[overlay.name] = docs;
    check(`${overlay.name}: kubectl kustomize renders (${docs.length} objects)`, []);
  } catch (error) {
    check(`${overlay.name}: kubectl kustomize renders`, [String(error.stderr || error.message).trim()]);
    continue;
  }
  check(`${overlay.name}: every object is valid against the Kubernetes schemas`, await schemaProblems(docs));
  check(`${overlay.name}: restricted Pod Security, requests and limits`, podSecurityProblems(docs));
  check(`${overlay.name}: everything the deployment needs is there`, issueCoverageProblems(docs));
  const env = overlay.envFile ? readEnvFile(join(root, overlay.envFile)) : {};
  const compose = loadCompose(join(root, 'docker-compose.yml'), env);
  check(
    `${overlay.name}: parity with docker-compose.yml${overlay.envFile ? ` --env-file ${overlay.envFile}` : ''}`,
    parity(compose, docs, { exclusions, checkSecretObjects: overlay.secrets }),
  );
}

// --- the checks themselves must fail on drift -------------------------------------------
// Each case changes one thing in a copy of the dev inputs and must be reported.
const dev = rendered.dev;
if (dev) {
  const clone = (x) => structuredClone(x);
  const composeBase = loadCompose(join(root, 'docker-compose.yml'), {});
  const container = (docs, name) => {
    for (const d of docs) for (const c of d.spec?.template?.spec?.containers ?? []) if (c.name === name) return { doc: d, c };
    throw new Error(`no container ${name}`);
  };
  const cases = [
    ['a compose service without a manifest', (c) => { c.services['api-2'] = clone(c.services.api); }, null, /service api-2: in docker-compose.yml, no Kubernetes container/],
    ['a manifest container without a compose service', null, (d) => { container(d, 'api').c.name = 'ledger'; }, /service ledger: .* no compose service matches/],
    ['a port only in compose', (c) => { c.services.auth.expose = [...(c.services.auth.expose ?? []), '9229']; }, null, /service auth: ports/],
    ['a port only in Kubernetes', null, (d) => { container(d, 'web').c.ports.push({ containerPort: 9000 }); }, /service web: ports/],
    ['an env key only in compose', (c) => { c.services.api.environment.NEW_FLAG = 'on'; }, null, /service api: env NEW_FLAG is set in compose/],
    ['an env key only in Kubernetes', null, (d) => { container(d, 'auth-migrate').c.env.push({ name: 'EXTRA', value: '1' }); }, /service auth-migrate: env EXTRA is set in Kubernetes/],
    ['a secret only in compose', (c) => { c.services.auth.secrets.push('bff_client_secret'); }, null, /service auth: secret \/run\/secrets\/bff_client_secret is mounted in compose/],
    ['a Secret the manifests do not contain', null, (d) => { const i = d.findIndex((x) => x.kind === 'Secret' && x.metadata.name.startsWith('amqp-url')); d.splice(i, 1); }, /comes from Secret amqp-url/],
    ['a different healthcheck path', (c) => { c.services.api.healthcheck.test = ['CMD', 'curl', '-fsS', 'http://127.0.0.1:3000/livez']; }, null, /service api: healthcheck GET :3000\/livez in compose/],
    ['a readiness probe that is not /readyz', null, (d) => { container(d, 'auth').c.readinessProbe.httpGet.path = '/healthz'; }, /service auth: readiness probe/],
    ['a different memory limit', (c) => { c.services.postgres.mem_limit = '1g'; }, null, /service postgres: memory limit 1g in compose/],
    ['a container with no memory limit', null, (d) => { delete container(d, 'rabbitmq').c.resources.limits.memory; }, /service rabbitmq: memory limit/],
    ['a service on another network', (c) => { c.services.web.networks = ['app', 'data']; }, null, /service web: networks \[app, data\] in compose/],
    ['a pod labelled onto a network its service is not on', null, (d) => { container(d, 'gateway').doc.spec.template.metadata.labels['flotilla.dev/network-data'] = 'true'; }, /service gateway: networks/],
    ['an internal network whose policy lets traffic out', null, (d) => { d.find((x) => x.metadata.name === 'network-data').spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }); }, /network data: internal in compose, but its NetworkPolicy allows egress anywhere/],
    ['a compose network without a NetworkPolicy', (c) => { c.networks.metrics = { internal: true }; }, null, /network metrics: no NetworkPolicy/],
    ['a NetworkPolicy without a compose network', null, (d) => { d.push({ ...clone(d.find((x) => x.metadata.name === 'network-app')), metadata: { name: 'network-public' } }); }, /network public: NetworkPolicy network-public has no compose network/],
    ['a different image tag', (c) => { c.services.web.image = 'flotilla/web:other'; }, null, /service web: image flotilla\/web:other in compose/],
  ];
  for (const [label, mutateCompose, mutateDocs, expected] of cases) {
    const c = clone(composeBase);
    const d = clone(dev);
    mutateCompose?.(c);
    mutateDocs?.(d);
    const found = parity(c, d, { exclusions, checkSecretObjects: true });
    check(`parity fails on ${label}`, found.some((p) => expected.test(p)) ? [] : [`not reported; it reported: ${found.join(' | ') || 'nothing'}`]);
  }
  // The schema validator and the Pod Security check reject broken objects.
  const broken = clone(dev);
  container(broken, 'api').doc.spec.replicas = 'three';
  check('schema validation fails on replicas: "three"', (await schemaProblems(broken)).some((p) => /replicas must be integer/.test(p)) ? [] : ['not reported']);
  const root0 = clone(dev);
  container(root0, 'web').c.securityContext.readOnlyRootFilesystem = false;
  check('the Pod Security check fails on a writable root filesystem', podSecurityProblems(root0).some((p) => /web container web: root filesystem is writable/.test(p)) ? [] : ['not reported']);
}

if (!existsSync(join(root, 'secrets'))) console.log('note: ./secrets is missing (bash tools/gen-secrets.sh); the dev overlay reads it');
console.log(`k8s-checks: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
