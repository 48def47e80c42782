import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { exporterMetricNames, parseExposition, parseNameList, SYNTHETIC_METRICS, type JsonExporterConfig } from '../src';

export const ROOT = resolve(__dirname, '../../..');
export const repoPath = (...parts: string[]) => join(ROOT, ...parts);
export const readText = (...parts: string[]) => readFileSync(repoPath(...parts), 'utf8');
export const readYaml = <T = unknown>(...parts: string[]) => parse(readText(...parts)) as T;
export const readJson = <T = unknown>(...parts: string[]) => JSON.parse(readText(...parts)) as T;
export const listFiles = (dir: string, suffix: string) =>
  readdirSync(repoPath(dir))
    .filter((name) => name.endsWith(suffix))
    .sort();

export interface RuleFile {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string; annotations?: Record<string, string> }[] }[];
}

export const ruleFiles = () => listFiles('docker/prometheus/rules', '.yml').map((f) => readYaml<RuleFile>('docker/prometheus/rules', f));
export const allRules = () => ruleFiles().flatMap((file) => file.groups.flatMap((group) => group.rules));
export const recordedNames = () => new Set(allRules().flatMap((rule) => (rule.record ? [rule.record] : [])));

/**
 * Metric names a live scrape exposes: the services' list (scraped from
 * FLOTILLA_METRICS_URLS when set, otherwise the committed fixture), the
 * exporters' lists captured from the real exporters, and Prometheus's own
 * synthetic series.
 */
export async function exportedMetricNames(): Promise<{ names: Set<string>; source: string }> {
  const names = new Set<string>(SYNTHETIC_METRICS);
  let source = 'docker/prometheus/tests/exported-metrics.txt';
  const urls = (process.env['FLOTILLA_METRICS_URLS'] ?? '').split(/[\s,]+/).filter(Boolean);
  if (urls.length > 0) {
    source = urls.join(' ');
    for (const url of urls) {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      for (const name of parseExposition(await response.text())) names.add(name);
    }
  } else {
    for (const name of parseNameList(readText('docker/prometheus/tests/exported-metrics.txt'))) names.add(name);
  }
  for (const file of listFiles('docker/prometheus/tests/exporter-metrics', '.txt')) {
    for (const name of parseNameList(readText('docker/prometheus/tests/exporter-metrics', file))) names.add(name);
  }
  // json_exporter's names come from its config (checked against real
  // responses in json-exporter.test.ts), not from a capture.
  for (const name of exporterMetricNames(readYaml<JsonExporterConfig>('docker/json-exporter/config.yml'))) names.add(name);
  return { names, source };
}
