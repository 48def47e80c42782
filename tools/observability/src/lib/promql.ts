/**
 * Metric names used by a PromQL expression, found without a full parser:
 * string literals, label matchers, grouping label lists, ranges and numbers
 * are removed, then every remaining identifier that is not a function,
 * aggregation or keyword is a metric name. Parse errors are Prometheus's job
 * (see prometheus-process.ts); this only has to be right for valid PromQL.
 */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'atan2',
  'inf',
  'nan',
]);

const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/#[^\n]*/g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(GROUPING, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/@\s*(start|end)\s*\(\s*\)/g, ' ');
  const names = new Set<string>();
  const identifier = /[A-Za-z_:][A-Za-z0-9_:]*/g;
  for (let match = identifier.exec(stripped); match; match = identifier.exec(stripped)) {
    const name = match[0];
    const before = stripped[match.index - 1] ?? '';
    // Part of a number (1e3, 0x1F) or a duration (5m, 1h30m).
    if (/[0-9.]/.test(before)) continue;
    const after = stripped.slice(match.index + name.length);
    if (/^\s*\(/.test(after)) continue;
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}
