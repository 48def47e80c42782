/**
 * Metric name lists: committed fixtures (one name per line, # comments) and
 * the Prometheus text exposition format of a live scrape.
 */
export function parseNameList(text: string): Set<string> {
  const names = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    names.add(line);
  }
  return names;
}

/** Sample names (with _bucket/_sum/_count and OpenMetrics _total/_created as exposed). */
export function parseExposition(text: string): Set<string> {
  const names = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

/** Series Prometheus makes up for every target, whatever it exports. */
export const SYNTHETIC_METRICS: ReadonlySet<string> = new Set([
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
  'ALERTS',
  'ALERTS_FOR_STATE',
]);
