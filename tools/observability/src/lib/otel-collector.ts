import Ajv from 'ajv';

/**
 * Checks of an OpenTelemetry Collector configuration (the collector cannot run
 * here): its shape, with unknown top-level keys refused, and what the collector
 * only finds at start or never reports: a pipeline naming a component that is
 * not defined (start fails), a receiver bound to localhost (since 0.104 the
 * default: nothing from another container arrives), memory_limiter not first
 * or batch not last (the documented order), a component defined but unused.
 * https://opentelemetry.io/docs/collector/configuration/
 */
export interface CollectorConfig {
  extensions?: Record<string, unknown>;
  receivers: Record<string, unknown>;
  processors?: Record<string, unknown>;
  exporters: Record<string, unknown>;
  connectors?: Record<string, unknown>;
  service: {
    extensions?: string[];
    telemetry?: unknown;
    pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
  };
}

const names = { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true };
const components = { type: 'object', additionalProperties: { type: ['object', 'null'] } };
const schema = {
  type: 'object',
  required: ['receivers', 'exporters', 'service'],
  additionalProperties: false,
  properties: {
    extensions: components,
    receivers: { ...components, minProperties: 1 },
    processors: components,
    exporters: { ...components, minProperties: 1 },
    connectors: components,
    service: {
      type: 'object',
      required: ['pipelines'],
      additionalProperties: false,
      properties: {
        extensions: names,
        telemetry: { type: 'object' },
        pipelines: {
          type: 'object',
          minProperties: 1,
          // <signal>[/<name>]
          propertyNames: { pattern: '^(traces|metrics|logs)(/[\\w-]+)?$' },
          additionalProperties: {
            type: 'object',
            required: ['receivers', 'exporters'],
            additionalProperties: false,
            properties: { receivers: { ...names, minItems: 1 }, processors: names, exporters: { ...names, minItems: 1 } },
          },
        },
      },
    },
  },
};

const validate = new Ajv({ allErrors: true }).compile<CollectorConfig>(schema);

/** Every `endpoint` value under a subtree, with its path. */
function endpointsIn(value: unknown, path: string): { path: string; endpoint: string }[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'endpoint' && typeof child === 'string' ? [{ path: `${path}.${key}`, endpoint: child }] : endpointsIn(child, `${path}.${key}`),
  );
}

export function collectorProblems(config: unknown): string[] {
  if (!validate(config)) {
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params['additionalProperty'])}` : ''}`);
  }
  const problems: string[] = [];
  const defined = {
    receivers: Object.keys(config.receivers),
    processors: Object.keys(config.processors ?? {}),
    exporters: Object.keys(config.exporters),
  };
  const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Set<string>() };
  for (const [pipeline, spec] of Object.entries(config.service.pipelines)) {
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      for (const name of spec[kind] ?? []) {
        used[kind].add(name);
        if (!defined[kind].includes(name)) problems.push(`pipeline ${pipeline} names ${kind.slice(0, -1)} ${name}, which is not defined`);
      }
    }
    const processors = spec.processors ?? [];
    const type = (name: string) => name.split('/', 1)[0];
    if (processors.some((p) => type(p) === 'memory_limiter') && type(processors[0] ?? '') !== 'memory_limiter') {
      problems.push(`pipeline ${pipeline}: memory_limiter must be the first processor`);
    }
    if (processors.some((p) => type(p) === 'batch') && type(processors.at(-1) ?? '') !== 'batch') {
      problems.push(`pipeline ${pipeline}: batch must be the last processor`);
    }
  }
  for (const kind of ['receivers', 'processors', 'exporters'] as const) {
    for (const name of defined[kind]) if (!used[kind].has(name)) problems.push(`${kind.slice(0, -1)} ${name} is defined but in no pipeline`);
  }
  for (const name of config.service.extensions ?? []) {
    if (!(name in (config.extensions ?? {}))) problems.push(`service.extensions names ${name}, which is not defined`);
  }
  for (const { path, endpoint } of [...endpointsIn(config.receivers, 'receivers'), ...endpointsIn(config.extensions, 'extensions')]) {
    if (!/^(0\.0\.0\.0|\[::\]):\d+$/.test(endpoint)) problems.push(`${path} is ${endpoint}: a container must listen on all interfaces (0.0.0.0:port)`);
  }
  return problems;
}

/** The host:port targets of the exporters (where the collector sends), by exporter name. */
export function exporterTargets(config: CollectorConfig): { exporter: string; host: string; port: number }[] {
  return Object.entries(config.exporters).flatMap(([exporter, settings]) =>
    endpointsIn(settings, exporter).flatMap(({ endpoint }) => {
      const match = /^(?:https?:\/\/)?([\w.-]+):(\d+)/.exec(endpoint);
      return match ? [{ exporter, host: match[1] as string, port: Number(match[2]) }] : [];
    }),
  );
}

/** The port of the OTLP receiver's HTTP protocol, if it has one. */
export function otlpHttpPort(config: CollectorConfig): number | undefined {
  const otlp = config.receivers['otlp'] as { protocols?: { http?: { endpoint?: string } } } | undefined;
  const endpoint = otlp?.protocols?.http?.endpoint;
  return endpoint ? Number(endpoint.split(':').at(-1)) : undefined;
}
