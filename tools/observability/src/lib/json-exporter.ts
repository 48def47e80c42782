/**
 * A reading of prometheus-community/json_exporter's module config (the exporter
 * cannot run here): the metric names it exposes, and their samples on a given
 * JSON response, so the names the alerts use can be checked against what the
 * config really produces from Logstash's and Filebeat's monitoring APIs.
 * https://github.com/prometheus-community/json_exporter#configuration
 *
 * Only plain field paths (`{ .a.b }`) are evaluated, and a config that uses
 * anything else is reported rather than guessed at: the exporter's JSONPath
 * (Kubernetes' dialect) has filters, wildcards and ranges this does not model.
 */
export interface JsonExporterMetric {
  name: string;
  type?: 'value' | 'object';
  valuetype?: 'gauge' | 'counter' | 'untyped';
  help?: string;
  path: string;
  labels?: Record<string, string>;
  values?: Record<string, string | number>;
}

export interface JsonExporterConfig {
  modules: Record<string, { metrics: JsonExporterMetric[]; headers?: Record<string, string> }>;
}

export interface ExporterSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const FIELD_PATH = /^\{\s*((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*\}$/;
const TEMPLATE = /\{[^}]*\}/;

/** The field names of a `{ .a.b }` path, or undefined for any other JSONPath. */
export function fieldPath(path: string): string[] | undefined {
  const match = FIELD_PATH.exec(path);
  return match?.[1]?.slice(1).split('.');
}

function lookUp(json: unknown, fields: string[]): unknown {
  let node = json;
  for (const field of fields) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !(field in node)) return undefined;
    node = (node as Record<string, unknown>)[field];
  }
  return node;
}

/** Every name the module exposes: a value metric's name, or `<name>_<value key>` for an object one. */
export function exporterMetricNames(config: JsonExporterConfig, module?: string): string[] {
  const modules = module ? [config.modules[module]] : Object.values(config.modules);
  return modules.flatMap((m) =>
    (m?.metrics ?? []).flatMap((metric) =>
      metric.type === 'object' ? Object.keys(metric.values ?? {}).map((key) => `${metric.name}_${key}`) : [metric.name],
    ),
  );
}

/**
 * The samples one module gives for one JSON response, and what it could not
 * read: a path that is not a plain field path, or that finds nothing or no
 * number in the response (the exporter drops such a metric, so an alert on it
 * would never fire).
 */
export function exporterSamples(
  config: JsonExporterConfig,
  module: string,
  json: unknown,
): { samples: ExporterSample[]; problems: string[] } {
  const samples: ExporterSample[] = [];
  const problems: string[] = [];
  const metrics = config.modules[module]?.metrics;
  if (!metrics) return { samples, problems: [`no module "${module}"`] };

  const read = (where: string, base: unknown, path: string | number): number | undefined => {
    if (typeof path === 'number') return path;
    const fields = fieldPath(path);
    if (!fields) {
      problems.push(`${where}: ${path} is not a plain { .field.path }`);
      return undefined;
    }
    const value = lookUp(base, fields);
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    problems.push(`${where}: ${path} finds ${value === undefined ? 'nothing' : JSON.stringify(value)} in the response, not a number`);
    return undefined;
  };

  for (const metric of metrics) {
    const labels: Record<string, string> = {};
    for (const [label, template] of Object.entries(metric.labels ?? {})) {
      if (TEMPLATE.test(template)) problems.push(`${metric.name}: label ${label} is dynamic (${template}); only static labels are modelled`);
      else labels[label] = template;
    }
    if (metric.type === 'object') {
      const fields = fieldPath(metric.path);
      if (!fields) {
        problems.push(`${metric.name}: ${metric.path} is not a plain { .field.path }`);
        continue;
      }
      const base = lookUp(json, fields);
      if (base === null || typeof base !== 'object') {
        problems.push(`${metric.name}: ${metric.path} finds no object in the response`);
        continue;
      }
      for (const [key, path] of Object.entries(metric.values ?? {})) {
        const name = `${metric.name}_${key}`;
        const value = read(name, base, path);
        if (value !== undefined) samples.push({ name, labels, value });
      }
    } else {
      const value = read(metric.name, json, metric.path);
      if (value !== undefined) samples.push({ name: metric.name, labels, value });
    }
  }
  return { samples, problems };
}
