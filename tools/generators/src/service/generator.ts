import { join } from 'node:path';
import { generateFiles, names, updateJson, type Tree } from '@nx/devkit';

export interface ServiceGeneratorSchema {
  name: string;
  port?: number;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const TAKEN = new Set(['api', 'auth', 'web', 'web-e2e', 'tools', 'gateway', 'postgres', 'rabbitmq', 'prometheus', 'grafana']);
const DASHBOARD = 'docker/grafana/dashboards/flotilla-red.json';
const COMPOSE = 'docker-compose.yml';
const PROMETHEUS = 'docker/prometheus/prometheus.yml';

/** The runtime dependencies of the generated service (versions as the root package.json pins them). */
const DEPENDENCIES = [
  '@fastify/otel',
  '@fastify/type-provider-typebox',
  '@opentelemetry/api',
  '@prisma/adapter-pg',
  '@prisma/client',
  'amqp-connection-manager',
  'amqplib',
  'fastify',
  'fastify-plugin',
  'pg',
  'prom-client',
  'typebox',
  'winston',
];

/**
 * `npx nx g @flotilla/tools:service <name>`: a Fastify service on the kit in
 * apps/<name>, shaped like apps/auth (main → app → plugins → routes/consumers →
 * domain → repositories), with its database, outbox and consumer, and its place
 * in the image build, compose, Prometheus and the RED dashboard.
 */
export async function serviceGenerator(tree: Tree, options: ServiceGeneratorSchema): Promise<void> {
  const name = options.name;
  if (!NAME.test(name)) throw new Error(`service name '${name}' must be kebab-case (${NAME.source})`);
  if (TAKEN.has(name)) throw new Error(`'${name}' is already a project or a compose service`);
  const root = `apps/${name}`;
  if (tree.exists(root)) throw new Error(`${root} exists already`);
  const port = options.port ?? 3010;
  const n = names(name);
  const vars = {
    name,
    port,
    className: n.className,
    propertyName: n.propertyName,
    constantName: n.constantName,
    envPrefix: n.constantName,
    dbName: name.replace(/-/g, '_'),
    tmpl: '',
  };

  generateFiles(tree, join(__dirname, 'files'), root, vars);
  tree.write(`${root}/package.json`, JSON.stringify(servicePackageJson(tree, name, port), null, 2) + '\n');

  updateJson(tree, 'tsconfig.json', (json) => {
    json.references = [...(json.references ?? []), { path: `./${root}` }];
    return json;
  });
  addToLockfile(tree, name);
  addComposeService(tree, name, port);
  addScrapeJob(tree, name, port);
  addDashboardRow(tree, name);
  // No formatFiles: Prettier would rewrite all of docker-compose.yml and the dashboard;
  // the templates are written formatted.
}

export default serviceGenerator;

function servicePackageJson(tree: Tree, name: string, port: number) {
  const rootPkg = JSON.parse(tree.read('package.json', 'utf-8') ?? '{}') as { dependencies?: Record<string, string> };
  const dependencies: Record<string, string> = {};
  for (const dep of DEPENDENCIES) {
    const version = rootPkg.dependencies?.[dep];
    if (!version) throw new Error(`root package.json has no dependency ${dep}`);
    dependencies[dep] = version;
  }
  const root = `apps/${name}`;
  const prismaEnv = { CHECKPOINT_DISABLE: '1' };
  return {
    name: `@flotilla/${name}`,
    version: '0.0.1',
    private: true,
    description: `Flotilla ${name} service`,
    config: { port },
    dependencies,
    nx: {
      name,
      tags: [`scope:${name}`, 'type:app'],
      targets: {
        'prisma-generate': {
          executor: 'nx:run-commands',
          cache: true,
          inputs: ['{projectRoot}/prisma/schema.prisma', '{projectRoot}/prisma/patch-generated-client.mjs', '{projectRoot}/prisma.config.ts', '{workspaceRoot}/tools/prisma/cli-config.ts'],
          outputs: ['{projectRoot}/src/generated/prisma'],
          options: { command: 'prisma generate && node prisma/patch-generated-client.mjs', cwd: root, env: prismaEnv },
        },
        migrate: { executor: 'nx:run-commands', options: { command: 'prisma migrate deploy', cwd: root, env: prismaEnv } },
        build: {
          executor: '@nx/esbuild:esbuild',
          outputs: ['{options.outputPath}'],
          defaultConfiguration: 'production',
          options: {
            platform: 'node',
            outputPath: `${root}/dist`,
            format: ['cjs'],
            bundle: true,
            thirdParty: false,
            main: `${root}/src/main.ts`,
            tsConfig: `${root}/tsconfig.app.json`,
            assets: [`${root}/src/assets`],
            esbuildOptions: { sourcemap: true, outExtension: { '.js': '.js' } },
          },
          configurations: {
            development: {},
            production: { generateLockfile: true, esbuildOptions: { sourcemap: false, outExtension: { '.js': '.js' } } },
          },
          dependsOn: ['prisma-generate', '^build'],
        },
        serve: {
          continuous: true,
          executor: '@nx/js:node',
          defaultConfiguration: 'development',
          dependsOn: ['build'],
          options: { buildTarget: `${name}:build`, runBuildTargetDependencies: false },
          configurations: { development: { buildTarget: `${name}:build:development` }, production: { buildTarget: `${name}:build:production` } },
        },
        integration: {
          executor: '@nx/jest:jest',
          cache: true,
          inputs: ['default', '^production', { externalDependencies: ['jest'] }],
          outputs: [],
          options: { jestConfig: `${root}/jest.integration.config.cts`, runInBand: true },
          dependsOn: ['prisma-generate'],
        },
        'prune-lockfile': {
          dependsOn: ['build'],
          cache: true,
          executor: '@nx/js:prune-lockfile',
          outputs: [`{workspaceRoot}/${root}/dist/package.json`, `{workspaceRoot}/${root}/dist/package-lock.json`],
          options: { buildTarget: 'build' },
        },
        'copy-workspace-modules': {
          dependsOn: ['build'],
          cache: true,
          outputs: [`{workspaceRoot}/${root}/dist/workspace_modules`],
          executor: '@nx/js:copy-workspace-modules',
          options: { buildTarget: 'build' },
        },
        prune: { dependsOn: ['prune-lockfile', 'copy-workspace-modules'], executor: 'nx:noop' },
        typecheck: { dependsOn: ['prisma-generate', '^typecheck'] },
        test: { dependsOn: ['prisma-generate', '^build'] },
        'docker-build': { command: `bash tools/stack/docker-build.sh ${name}` },
      },
    },
  };
}

/** npm ci refuses a lockfile that does not name every workspace: add this one, as `npm install` would. */
function addToLockfile(tree: Tree, name: string) {
  if (!tree.exists('package-lock.json')) return;
  const pkg = JSON.parse(tree.read(`apps/${name}/package.json`, 'utf-8') ?? '{}') as Record<string, unknown>;
  updateJson(tree, 'package-lock.json', (lock) => {
    const packages: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(lock.packages ?? {})) packages[key] = value;
    packages[`node_modules/@flotilla/${name}`] = { resolved: `apps/${name}`, link: true };
    packages[`apps/${name}`] = { name: pkg['name'], version: pkg['version'], dependencies: pkg['dependencies'] };
    lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => lockOrder(a, b)));
    return lock;
  });
}

// npm writes the root package first, then the rest by path in its locale order.
function lockOrder(a: string, b: string): number {
  if (a === '') return -1;
  if (b === '') return 1;
  return a.localeCompare(b, 'en');
}

/** Inserts `block` before the first line equal to `marker` (a top-level key), or fails loudly. */
function insertBefore(tree: Tree, file: string, marker: string, block: string) {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`${file} is missing`);
  const at = text.indexOf(`\n${marker}\n`);
  if (at < 0) throw new Error(`${file}: no line '${marker}' to insert before`);
  tree.write(file, text.slice(0, at + 1) + block + '\n' + text.slice(at + 1));
}

function addComposeService(tree: Tree, name: string, port: number) {
  if (!tree.exists(COMPOSE)) return;
  const db = name.replace(/-/g, '_');
  const env = names(name).constantName;
  insertBefore(
    tree,
    COMPOSE,
    'networks:',
    `  # --- ${name} (npx nx g @flotilla/tools:service): behind its profile until its
  # database, role and the ${db}_database_url secret exist (apps/${name}/README.md).
  ${name}:
    <<: *node-service
    profiles: [${name}]
    image: flotilla/${name}:\${FLOTILLA_TAG:-dev}
    pull_policy: build
    build:
      context: .
      dockerfile: docker/node/Dockerfile
      target: runtime
      args:
        APP: ${name}
        PORT: "${port}"
        DESCRIPTION: Flotilla ${name} service
        NODE_IMAGE: \${NODE_IMAGE:-node:24-bookworm-slim}
        VERSION: \${FLOTILLA_VERSION:-0.0.0-dev}
        REVISION: \${FLOTILLA_REVISION:-unknown}
        SOURCE: \${FLOTILLA_SOURCE:-unknown}
    environment:
      APP_ENV: \${APP_ENV:-production}
      LOG_LEVEL: \${${env}_LOG_LEVEL:-info}
      PORT: "${port}"
      DATABASE_URL_FILE: /run/secrets/${db}_database_url
      AMQP_URL_FILE: /run/secrets/amqp_url
      OTEL_EXPORTER_OTLP_ENDPOINT: \${OTEL_EXPORTER_OTLP_ENDPOINT:-}
    expose: ["${port}"]
    secrets: [${db}_database_url, amqp_url]
    depends_on:
      ${name}-migrate:
        condition: service_completed_successfully
      rabbitmq:
        condition: service_healthy

  ${name}-migrate:
    <<: *migrate-job
    profiles: [${name}]
    image: flotilla/${name}-migrate:\${FLOTILLA_TAG:-dev}
    pull_policy: build
    build:
      context: .
      dockerfile: docker/node/Dockerfile
      target: migrate
      args:
        APP: ${name}
        NODE_IMAGE: \${NODE_IMAGE:-node:24-bookworm-slim}
    environment:
      DATABASE_URL_FILE: /run/secrets/${db}_database_url
    secrets: [${db}_database_url]
    depends_on:
      postgres:
        condition: service_healthy
`,
  );
  const text = tree.read(COMPOSE, 'utf-8') ?? '';
  tree.write(
    COMPOSE,
    text.replace(/\nsecrets:\n/, `\nsecrets:\n  ${db}_database_url:\n    file: \${SECRETS_DIR:-./secrets}/${db}_database_url\n`),
  );
}

function addScrapeJob(tree: Tree, name: string, port: number) {
  if (!tree.exists(PROMETHEUS)) return;
  const text = tree.read(PROMETHEUS, 'utf-8') ?? '';
  tree.write(
    PROMETHEUS,
    `${text.replace(/\n*$/, '\n')}
  # ${name} (npx nx g @flotilla/tools:service): one target per replica, as for api.
  - job_name: ${name}
    dns_sd_configs:
      - names: ['${name}']
        type: A
        port: ${port}
        refresh_interval: 15s
    relabel_configs:
      - target_label: service
        replacement: ${name}
    metric_relabel_configs:
      - action: labeldrop
        regex: exported_service
`,
  );
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  [key: string]: unknown;
}

/** A collapsed row for the service at the bottom of the RED dashboard: its traffic and its outbox. */
function addDashboardRow(tree: Tree, name: string) {
  if (!tree.exists(DASHBOARD)) return;
  updateJson(tree, DASHBOARD, (dashboard: { panels: Panel[] }) => {
    const id = Math.max(0, ...dashboard.panels.map((p) => p.id)) + 1;
    const y = Math.max(0, ...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
    const datasource = { type: 'prometheus', uid: 'prometheus' };
    const timeseries = (offset: number, x: number, title: string, unit: string, expr: string, legendFormat: string) => ({
      id: id + offset,
      type: 'timeseries',
      title,
      datasource,
      gridPos: { x, y: y + 1, w: 12, h: 8 },
      targets: [{ refId: 'A', datasource, expr, legendFormat, range: true, instant: false, editorMode: 'code' }],
      fieldConfig: { defaults: { unit }, overrides: [] },
      options: { legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
    });
    dashboard.panels.push({
      id,
      type: 'row',
      title: `Service: ${name}`,
      collapsed: true,
      gridPos: { x: 0, y, w: 24, h: 1 },
      panels: [
        timeseries(1, 0, `${name}: requests per second by status`, 'reqps', `service_status:http_server_requests:rate5m{service="${name}"}`, '{{status_code}}'),
        timeseries(2, 12, `${name}: outbox events waiting`, 'short', `sum(outbox_pending_events{service="${name}"})`, 'pending'),
      ],
    });
    return dashboard;
  });
}
