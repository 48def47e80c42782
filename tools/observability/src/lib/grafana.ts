/** What the checks need from a Grafana dashboard JSON model. */
export interface GrafanaTarget {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

export interface GrafanaLink {
  title?: string;
  url?: string;
}

export interface GrafanaPanel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
  fieldConfig?: { defaults?: { links?: GrafanaLink[] } };
  links?: GrafanaLink[];
}

export interface GrafanaVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  datasource?: { type?: string; uid?: string };
}

export interface GrafanaDashboard {
  uid?: string;
  title?: string;
  panels?: GrafanaPanel[];
  templating?: { list?: GrafanaVariable[] };
  links?: GrafanaLink[];
}

export interface DashboardQuery {
  /** Where it was found, for failure messages. */
  where: string;
  /** As written in the dashboard, Grafana variables included. */
  expr: string;
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: GrafanaDashboard): GrafanaPanel[] {
  const out: GrafanaPanel[] = [];
  const visit = (panels: GrafanaPanel[] | undefined) => {
    for (const panel of panels ?? []) {
      out.push(panel);
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  return out;
}

/**
 * Every PromQL expression of a dashboard: panel targets, and the selector
 * inside Prometheus query variables (`label_values(<selector>, label)`,
 * `query_result(<expr>)`, or a plain expression).
 */
export function dashboardQueries(dashboard: GrafanaDashboard): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (typeof target.expr === 'string' && target.expr.trim() !== '') {
        queries.push({ where: `panel ${panel.id} "${panel.title}" ${target.refId ?? ''}`.trim(), expr: target.expr });
      }
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query' || variable.datasource?.type !== 'prometheus') continue;
    const text = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    const expr = variableExpression(text);
    if (expr) queries.push({ where: `variable $${variable.name}`, expr });
  }
  return queries;
}

function variableExpression(query: string): string | undefined {
  const trimmed = query.trim();
  if (trimmed === '' || /^(label_names|metrics)\(/.test(trimmed)) return undefined;
  const labelValues = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/s.exec(trimmed);
  if (labelValues?.[1]) return labelValues[1];
  const queryResult = /^query_result\((.*)\)$/s.exec(trimmed);
  if (queryResult?.[1]) return queryResult[1];
  return trimmed;
}

const BUILT_IN_DURATIONS = /\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g;
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]/g;

/** Names of the dashboard variables an expression uses (built-ins excluded). */
export function variablesUsed(expr: string): string[] {
  const names = new Set<string>();
  for (const match of expr.replace(BUILT_IN_DURATIONS, '').matchAll(VARIABLE)) {
    const name = match[1] ?? match[2] ?? match[3];
    if (name && !name.startsWith('__')) names.add(name);
  }
  return [...names];
}

/**
 * The expression Grafana would send, with built-in durations as 5m and each
 * variable replaced by a value of the same shape (`.*` inside a regex
 * matcher, a plain word elsewhere).
 */
export function interpolate(expr: string): string {
  return expr
    .replace(BUILT_IN_DURATIONS, '5m')
    .replace(/(=~\s*")([^"]*)"/g, (_m, head: string, body: string) => `${head}${body.replace(VARIABLE, '.*')}"`)
    .replace(VARIABLE, (_m, a?: string, b?: string, c?: string) => a ?? b ?? c ?? 'x');
}
