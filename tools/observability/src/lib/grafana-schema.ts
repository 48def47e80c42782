import Ajv, { type ValidateFunction } from 'ajv';

/**
 * Typed validation of the provisioned Grafana dashboards (Grafana cannot run
 * here): the dashboard JSON model of Grafana 11 (schemaVersion 39+), as far
 * as these dashboards use it, with unknown keys refused at the dashboard and
 * panel level so a typo fails here instead of being dropped silently by
 * Grafana. Plus what a schema cannot say: panels fit the 24-column grid and
 * do not overlap, and refIds are unique within a panel.
 */
const PANEL_TYPES = [
  'timeseries', 'stat', 'gauge', 'bargauge', 'table', 'text', 'row', 'heatmap', 'logs', 'piechart',
  'barchart', 'state-timeline', 'status-history', 'histogram', 'alertlist', 'dashlist', 'news', 'nodeGraph', 'traces', 'xychart', 'canvas',
];
const datasourceRef = {
  type: 'object',
  required: ['type', 'uid'],
  additionalProperties: false,
  properties: { type: { type: 'string', minLength: 1 }, uid: { type: 'string', minLength: 1 } },
};
const link = {
  type: 'object',
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1 },
    url: { type: 'string' },
    type: { enum: ['link', 'dashboards'] },
    targetBlank: { type: 'boolean' },
    tags: { type: 'array' },
    asDropdown: { type: 'boolean' },
    icon: { type: 'string' },
    includeVars: { type: 'boolean' },
    keepTime: { type: 'boolean' },
    tooltip: { type: 'string' },
  },
  additionalProperties: false,
};
const panel = {
  type: 'object',
  required: ['id', 'type', 'title', 'gridPos'],
  additionalProperties: false,
  properties: {
    id: { type: 'integer', minimum: 1 },
    type: { enum: PANEL_TYPES },
    title: { type: 'string' },
    description: { type: 'string' },
    gridPos: {
      type: 'object',
      required: ['h', 'w', 'x', 'y'],
      additionalProperties: false,
      properties: {
        h: { type: 'integer', minimum: 1 },
        w: { type: 'integer', minimum: 1, maximum: 24 },
        x: { type: 'integer', minimum: 0, maximum: 23 },
        y: { type: 'integer', minimum: 0 },
      },
    },
    datasource: datasourceRef,
    targets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['refId'],
        properties: { refId: { type: 'string', pattern: '^[A-Z]+$' }, datasource: datasourceRef, expr: { type: 'string', minLength: 1 } },
      },
    },
    fieldConfig: { type: 'object', required: ['defaults'], properties: { defaults: { type: 'object' }, overrides: { type: 'array' } } },
    options: { type: 'object' },
    transformations: { type: 'array', items: { type: 'object', required: ['id'] } },
    collapsed: { type: 'boolean' },
    panels: { type: 'array', items: { $ref: '#/definitions/panel' } },
    links: { type: 'array' },
    interval: { type: 'string' },
    maxDataPoints: { type: 'integer' },
    repeat: { type: 'string' },
    repeatDirection: { enum: ['h', 'v'] },
    pluginVersion: { type: 'string' },
  },
};
const dashboardSchema = {
  type: 'object',
  definitions: { panel },
  required: ['uid', 'title', 'schemaVersion', 'panels', 'time'],
  additionalProperties: false,
  properties: {
    id: { type: ['integer', 'null'] },
    uid: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,40}$' },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    editable: { type: 'boolean' },
    graphTooltip: { enum: [0, 1, 2] },
    schemaVersion: { type: 'integer', minimum: 36 },
    version: { type: 'integer' },
    refresh: { type: 'string', pattern: '^(|[0-9]+[smhd])$' },
    time: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string' }, to: { type: 'string' } }, additionalProperties: false },
    timezone: { type: 'string' },
    fiscalYearStartMonth: { type: 'integer', minimum: 0, maximum: 11 },
    liveNow: { type: 'boolean' },
    weekStart: { type: 'string' },
    timepicker: { type: 'object' },
    annotations: { type: 'object', required: ['list'], properties: { list: { type: 'array' } } },
    links: { type: 'array', items: link },
    templating: {
      type: 'object',
      required: ['list'],
      properties: {
        list: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'type'],
            properties: {
              name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
              type: { enum: ['query', 'custom', 'textbox', 'constant', 'datasource', 'interval', 'adhoc', 'groupby'] },
            },
          },
        },
      },
    },
    panels: { type: 'array', minItems: 1, items: { $ref: '#/definitions/panel' } },
  },
};

const validate: ValidateFunction = new Ajv({ allErrors: true, strict: false }).compile(dashboardSchema);

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string }[];
  panels?: Panel[];
  collapsed?: boolean;
}

/** Schema violations and layout problems of one dashboard ([] when valid). */
export function dashboardProblems(model: unknown): string[] {
  if (!validate(model)) {
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`);
  }
  const problems: string[] = [];
  const top = (model as { panels: Panel[] }).panels;
  // Panels inside a collapsed row are laid out when it opens: check each level on its own.
  const levels: Panel[][] = [top.filter(Boolean), ...top.filter((p) => p.type === 'row' && p.panels?.length).map((p) => p.panels as Panel[])];
  for (const panels of levels) {
    for (const p of panels) {
      if (p.gridPos.x + p.gridPos.w > 24) problems.push(`panel ${p.id} "${p.title}": x + w = ${p.gridPos.x + p.gridPos.w} > 24`);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      if (new Set(refIds).size !== refIds.length) problems.push(`panel ${p.id} "${p.title}": duplicate refId`);
    }
    for (let i = 0; i < panels.length; i++) {
      for (let j = i + 1; j < panels.length; j++) {
        const a = (panels[i] as Panel).gridPos;
        const b = (panels[j] as Panel).gridPos;
        if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) {
          problems.push(`panels ${(panels[i] as Panel).id} and ${(panels[j] as Panel).id} overlap`);
        }
      }
    }
  }
  return problems;
}
