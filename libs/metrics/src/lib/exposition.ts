import { Registry } from 'prom-client';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;

// What we render is OpenMetrics 1.0.0, which 0.0.1 parsers also read.
const OPENMETRICS_VERSIONS = new Set(['1.0.0', '0.0.1']);

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  return accept.split(',').flatMap((part) => {
    const [type, ...rawParams] = part.split(';').map((s) => s.trim());
    if (!type) return [];
    const params = new Map<string, string>();
    for (const raw of rawParams) {
      const eq = raw.indexOf('=');
      if (eq > 0)
        params.set(
          raw.slice(0, eq).trim().toLowerCase(),
          raw
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, ''),
        );
    }
    const q = params.has('q') ? Number(params.get('q')) : 1;
    return [
      {
        type: type.toLowerCase(),
        params,
        q: Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0,
      },
    ];
  });
}

/**
 * Content negotiation for a scrape (RFC 9110 §12.5.1): OpenMetrics only when the
 * client names `application/openmetrics-text` (as Prometheus does) with at least
 * the weight it gives the text format; wildcards, a missing header and curl get the
 * Prometheus text format every scraper reads.
 */
export function negotiateExposition(
  accept: string | undefined,
): ExpositionFormat {
  if (!accept) return 'prometheus';
  let openMetrics = 0;
  let text = 0;
  for (const range of parseAccept(accept)) {
    if (range.type === 'application/openmetrics-text') {
      const version = range.params.get('version');
      if (version === undefined || OPENMETRICS_VERSIONS.has(version))
        openMetrics = Math.max(openMetrics, range.q);
    } else if (range.type === 'text/plain' || range.type === 'text/*') {
      text = Math.max(text, range.q);
    }
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'prometheus';
}

interface Exemplar {
  labelSet: Record<string, string | number>;
  value: number;
  timestamp?: number;
}

interface Sample {
  value: number;
  labels: Record<string, string | number | undefined>;
  metricName?: string;
  exemplar?: Exemplar | null;
}

function escapeText(value: string): string {
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('\n', '\\n')
    .replaceAll('"', '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(
  labels: Record<string, string | number | undefined>,
): string {
  const parts = Object.entries(labels)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}="${escapeText(String(value))}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/**
 * The registry in OpenMetrics 1.0 text, exemplars included. prom-client's own
 * OpenMetrics output needs a registry constructed for it, and its `metrics()`
 * then renames counters in place (drops `_total` from the metric objects), so
 * one registry could not also keep serving the Prometheus text format. This
 * renders from `getMetricsAsJSON()` and leaves the metrics untouched.
 * https://github.com/prometheus/OpenMetrics/blob/v1.0.0/specification/OpenMetrics.md
 */
export async function renderOpenMetrics(registry: Registry): Promise<string> {
  const lines: string[] = [];
  for (const family of await registry.getMetricsAsJSON()) {
    // The typings declare a numeric enum; prom-client's objects carry the string.
    const type = String(family.type as unknown);
    const name =
      type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
    lines.push(
      `# HELP ${name} ${escapeText(family.help)}`,
      `# TYPE ${name} ${type}`,
    );
    for (const sample of family.values as Sample[]) {
      const sampleName =
        type === 'counter' ? `${name}_total` : (sample.metricName ?? name);
      let line = `${sampleName}${formatLabels(sample.labels)} ${formatNumber(sample.value)}`;
      const exemplar = sample.exemplar;
      if (exemplar && Object.keys(exemplar.labelSet).length > 0) {
        line += ` # ${formatLabels(exemplar.labelSet)} ${formatNumber(exemplar.value)}`;
        if (exemplar.timestamp !== undefined) line += ` ${exemplar.timestamp}`;
      }
      lines.push(line);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}
