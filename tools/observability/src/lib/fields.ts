/**
 * Field names (ECS dotted form) referenced by the log pipeline's pieces:
 * Logstash configs, Elasticsearch mappings, KQL queries, and the keys of the
 * JSON lines themselves.
 */

/** `[a][b]` references of a Logstash config (also inside `%{…}`), @metadata excluded. */
export function logstashFieldRefs(config: string): string[] {
  const withoutComments = config
    .split('\n')
    .map((line) => line.replace(/^\s*#.*$/, ''))
    .join('\n');
  const refs = new Set<string>();
  for (const match of withoutComments.matchAll(/(?:\[[A-Za-z0-9_@-]+\])+/g)) {
    const parts = [...match[0].matchAll(/\[([^\]]+)\]/g)].map((m) => m[1] as string);
    if (parts[0] === '@metadata') continue;
    refs.add(parts.join('.'));
  }
  return [...refs].sort();
}

/** The `"from" => "[to]"` pairs of the rename option in the mutate whose id is `id`. */
export function logstashRenames(config: string, id: string): Record<string, string> {
  const start = config.indexOf(`id => "${id}"`);
  if (start < 0) return {};
  const block = /rename\s*=>\s*\{([^}]*)\}/.exec(config.slice(start));
  const pairs: Record<string, string> = {};
  for (const match of (block?.[1] ?? '').matchAll(/"([^"]+)"\s*=>\s*"([^"]+)"/g)) {
    pairs[match[1] as string] = (match[2] as string).replace(/^\[|\]$/g, '').split('][').join('.');
  }
  return pairs;
}

interface MappingNode {
  type?: string;
  properties?: Record<string, MappingNode>;
}

/** Leaf fields of an Elasticsearch mapping (objects without a type are walked). */
export function mappedFields(properties: Record<string, MappingNode>, prefix = ''): string[] {
  return Object.entries(properties).flatMap(([name, node]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    if (node.properties) return mappedFields(node.properties, path);
    return node.type === 'object' ? [] : [path];
  });
}

/** Fields a KQL query filters on (`field : value`, `field >= n`). */
export function kqlFields(query: string): string[] {
  const withoutStrings = query.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const fields = new Set<string>();
  for (const match of withoutStrings.matchAll(/([A-Za-z_@][A-Za-z0-9_.@]*)\s*(?::|>=|<=|>|<)/g)) {
    const field = match[1] as string;
    if (!['and', 'or', 'not'].includes(field.toLowerCase())) fields.add(field);
  }
  return [...fields].sort();
}

/** Dotted keys of a log line; nested objects are walked, so both styles compare equal. */
export function lineFields(line: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(line).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return lineFields(value as Record<string, unknown>, path);
    }
    return [path];
  });
}

/** The keys of an nginx `log_format NAME escape=json '{…}'` directive. */
export function nginxJsonLogKeys(nginxConf: string, formatName: string): string[] {
  const start = nginxConf.search(new RegExp(`log_format\\s+${formatName}\\b`));
  if (start < 0) return [];
  const end = nginxConf.indexOf(';', start);
  const body = nginxConf.slice(start, end);
  return [...body.matchAll(/"([A-Za-z0-9_@.]+)":/g)].map((m) => m[1] as string);
}
