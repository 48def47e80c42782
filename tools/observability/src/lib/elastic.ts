import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Typed validation of the request bodies docker/elk/setup/setup.sh sends to
 * Elasticsearch 8.15 (no Elasticsearch runs here): the index template
 * (PUT _index_template), the ILM policy (PUT _ilm/policy) and the roles
 * (PUT _security/role). The schemas follow the REST API reference of 8.15 and
 * refuse unknown keys, so a misspelt option (which Elasticsearch would refuse
 * with a 400, failing elk-setup) fails here. Plus the semantic checks the
 * schema cannot say: every index.query.default_field is mapped and searchable.
 */

/** Field types of the 8.15 mapping reference. */
const MAPPING_TYPES = [
  'aggregate_metric_double', 'alias', 'binary', 'boolean', 'byte', 'completion', 'constant_keyword', 'date',
  'date_nanos', 'date_range', 'dense_vector', 'double', 'double_range', 'flattened', 'float', 'float_range',
  'geo_point', 'geo_shape', 'half_float', 'histogram', 'integer', 'integer_range', 'ip', 'ip_range', 'join',
  'keyword', 'long', 'long_range', 'match_only_text', 'nested', 'object', 'passthrough', 'percolator', 'point',
  'rank_feature', 'rank_features', 'scaled_float', 'search_as_you_type', 'semantic_text', 'shape', 'short',
  'sparse_vector', 'text', 'token_count', 'unsigned_long', 'version', 'wildcard',
];
/** Types a free-text (query_string / KQL without a field) query can match. */
export const SEARCHABLE_TEXT_TYPES = ['text', 'match_only_text', 'keyword', 'wildcard', 'constant_keyword', 'search_as_you_type'];

export const INDEX_PRIVILEGES = [
  'all', 'auto_configure', 'create', 'create_doc', 'create_index', 'cross_cluster_replication',
  'cross_cluster_replication_internal', 'delete', 'delete_index', 'index', 'maintenance', 'manage',
  'manage_data_stream_lifecycle', 'manage_follow_index', 'manage_ilm', 'manage_leader_index', 'monitor', 'none',
  'read', 'read_cross_cluster', 'view_index_metadata', 'write',
];
export const CLUSTER_PRIVILEGES = [
  'all', 'cancel_task', 'create_snapshot', 'cross_cluster_replication', 'cross_cluster_search', 'delegate_pki',
  'grant_api_key', 'manage', 'manage_api_key', 'manage_autoscaling', 'manage_behavioral_analytics', 'manage_ccr',
  'manage_data_frame_transforms', 'manage_data_stream_global_retention', 'manage_enrich', 'manage_ilm',
  'manage_index_templates', 'manage_inference', 'manage_ingest_pipelines', 'manage_logstash_pipelines', 'manage_ml',
  'manage_oidc', 'manage_own_api_key', 'manage_pipeline', 'manage_rollup', 'manage_saml', 'manage_search_application',
  'manage_search_query_rules', 'manage_search_synonyms', 'manage_security', 'manage_service_account', 'manage_slm',
  'manage_token', 'manage_transform', 'manage_user_profile', 'manage_watcher', 'monitor', 'monitor_data_frame_transforms',
  'monitor_data_stream_global_retention', 'monitor_enrich', 'monitor_inference', 'monitor_ml', 'monitor_rollup',
  'monitor_snapshot', 'monitor_stats', 'monitor_text_structure', 'monitor_transform', 'monitor_watcher', 'none',
  'post_behavioral_analytics_event', 'read_ccr', 'read_ilm', 'read_pipeline', 'read_security', 'read_slm',
  'transport_client',
];

const duration = { type: 'string', pattern: '^[0-9]+(nanos|micros|ms|s|m|h|d)$' };
const byteSize = { type: 'string', pattern: '^[0-9]+(b|kb|mb|gb|tb|pb)$' };

const fieldMapping = {
  type: 'object',
  properties: {
    type: { enum: MAPPING_TYPES },
    properties: { type: 'object', additionalProperties: { $ref: '#/definitions/field' } },
    fields: { type: 'object', additionalProperties: { $ref: '#/definitions/field' } },
    index: { type: 'boolean' },
    doc_values: { type: 'boolean' },
    store: { type: 'boolean' },
    ignore_above: { type: 'integer', minimum: 1 },
    ignore_malformed: { type: 'boolean' },
    dynamic: { enum: [true, false, 'true', 'false', 'strict', 'runtime'] },
    enabled: { type: 'boolean' },
    format: { type: 'string' },
    null_value: {},
    norms: { type: 'boolean' },
    analyzer: { type: 'string' },
    search_analyzer: { type: 'string' },
    normalizer: { type: 'string' },
    value: {},
    path: { type: 'string' },
    scaling_factor: { type: 'number' },
    coerce: { type: 'boolean' },
    copy_to: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    meta: { type: 'object' },
    time_series_dimension: { type: 'boolean' },
    time_series_metric: { enum: ['gauge', 'counter', 'summary', 'histogram', 'position'] },
  },
  additionalProperties: false,
};

const indexTemplateSchema = {
  type: 'object',
  required: ['index_patterns'],
  additionalProperties: false,
  definitions: { field: fieldMapping },
  properties: {
    index_patterns: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    composed_of: { type: 'array', items: { type: 'string' } },
    priority: { type: 'integer', minimum: 0 },
    version: { type: 'integer' },
    _meta: { type: 'object' },
    allow_auto_create: { type: 'boolean' },
    ignore_missing_component_templates: { type: 'array', items: { type: 'string' } },
    deprecated: { type: 'boolean' },
    data_stream: {
      type: 'object',
      additionalProperties: false,
      properties: { hidden: { type: 'boolean' }, allow_custom_routing: { type: 'boolean' } },
    },
    template: {
      type: 'object',
      additionalProperties: false,
      properties: {
        aliases: { type: 'object' },
        lifecycle: { type: 'object' },
        settings: {
          type: 'object',
          // Flat "index.*" keys (the form the file uses), each a known setting.
          propertyNames: { pattern: '^index\\.' },
          properties: {
            'index.lifecycle.name': { type: 'string', minLength: 1 },
            'index.number_of_shards': { type: 'integer', minimum: 1 },
            'index.number_of_replicas': { type: 'integer', minimum: 0 },
            'index.refresh_interval': { oneOf: [duration, { const: '-1' }] },
            'index.mapping.total_fields.limit': { type: 'integer', minimum: 1 },
            'index.mapping.ignore_malformed': { type: 'boolean' },
            'index.query.default_field': { type: 'array', items: { type: 'string', minLength: 1 } },
            'index.codec': { enum: ['default', 'best_compression'] },
            'index.mode': { enum: ['standard', 'time_series', 'logsdb'] },
          },
          additionalProperties: false,
        },
        mappings: {
          type: 'object',
          additionalProperties: false,
          properties: {
            dynamic: fieldMapping.properties.dynamic,
            date_detection: { type: 'boolean' },
            numeric_detection: { type: 'boolean' },
            dynamic_templates: {
              type: 'array',
              items: {
                type: 'object',
                minProperties: 1,
                maxProperties: 1,
                additionalProperties: {
                  type: 'object',
                  required: ['mapping'],
                  additionalProperties: false,
                  properties: {
                    match_mapping_type: { type: 'string' },
                    match: {},
                    unmatch: {},
                    path_match: {},
                    path_unmatch: {},
                    match_pattern: { enum: ['simple', 'regex'] },
                    mapping: { $ref: '#/definitions/field' },
                  },
                },
              },
            },
            properties: { type: 'object', additionalProperties: { $ref: '#/definitions/field' } },
            _source: { type: 'object' },
            _meta: { type: 'object' },
            _routing: { type: 'object' },
            runtime: { type: 'object' },
          },
        },
      },
    },
  },
};

const phaseActions = {
  rollover: {
    type: 'object',
    minProperties: 1,
    additionalProperties: false,
    properties: {
      max_age: duration,
      max_docs: { type: 'integer', minimum: 1 },
      max_size: byteSize,
      max_primary_shard_size: byteSize,
      max_primary_shard_docs: { type: 'integer', minimum: 1 },
      min_age: duration,
      min_docs: { type: 'integer' },
      min_size: byteSize,
      min_primary_shard_size: byteSize,
      min_primary_shard_docs: { type: 'integer' },
    },
  },
  delete: { type: 'object', additionalProperties: false, properties: { delete_searchable_snapshot: { type: 'boolean' } } },
  forcemerge: { type: 'object', required: ['max_num_segments'], properties: { max_num_segments: { type: 'integer', minimum: 1 }, index_codec: { type: 'string' } }, additionalProperties: false },
  shrink: { type: 'object' },
  readonly: { type: 'object', additionalProperties: false },
  set_priority: { type: 'object', required: ['priority'], additionalProperties: false, properties: { priority: { type: ['integer', 'null'] } } },
  allocate: { type: 'object' },
  migrate: { type: 'object' },
  downsample: { type: 'object' },
  searchable_snapshot: { type: 'object' },
  wait_for_snapshot: { type: 'object' },
  unfollow: { type: 'object' },
};
const phase = (actions: (keyof typeof phaseActions)[]) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    min_age: duration,
    actions: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(actions.map((name) => [name, phaseActions[name]])),
    },
  },
});
// Which action each phase allows (ILM "Index lifecycle actions" table).
const ilmPolicySchema = {
  type: 'object',
  required: ['policy'],
  additionalProperties: false,
  properties: {
    policy: {
      type: 'object',
      required: ['phases'],
      additionalProperties: false,
      properties: {
        _meta: { type: 'object' },
        phases: {
          type: 'object',
          minProperties: 1,
          additionalProperties: false,
          properties: {
            hot: phase(['rollover', 'set_priority', 'unfollow', 'readonly', 'shrink', 'forcemerge', 'searchable_snapshot', 'downsample']),
            warm: phase(['set_priority', 'unfollow', 'readonly', 'allocate', 'migrate', 'shrink', 'forcemerge', 'downsample']),
            cold: phase(['set_priority', 'unfollow', 'readonly', 'searchable_snapshot', 'allocate', 'migrate', 'downsample']),
            frozen: phase(['unfollow', 'searchable_snapshot']),
            delete: phase(['wait_for_snapshot', 'delete']),
          },
        },
      },
    },
  },
};

const roleSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    description: { type: 'string' },
    metadata: { type: 'object' },
    transient_metadata: { type: 'object' },
    run_as: { type: 'array', items: { type: 'string' } },
    cluster: { type: 'array', items: { enum: CLUSTER_PRIVILEGES } },
    global: { type: 'object' },
    applications: { type: 'array' },
    remote_indices: { type: 'array' },
    remote_cluster: { type: 'array' },
    indices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['names', 'privileges'],
        additionalProperties: false,
        properties: {
          names: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          privileges: { type: 'array', minItems: 1, items: { enum: INDEX_PRIVILEGES } },
          field_security: { type: 'object', properties: { grant: { type: 'array' }, except: { type: 'array' } }, additionalProperties: false },
          query: {},
          allow_restricted_indices: { type: 'boolean' },
        },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled: Record<string, ValidateFunction> = {
  'index-template': ajv.compile(indexTemplateSchema),
  'ilm-policy': ajv.compile(ilmPolicySchema),
  role: ajv.compile(roleSchema),
};
export type ElasticBody = 'index-template' | 'ilm-policy' | 'role';

const describe = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}${e.params && 'allowedValues' in e.params ? '' : ''}`);

/** Schema violations of one request body ([] when valid). */
export function validateElasticBody(kind: ElasticBody, body: unknown): string[] {
  const validate = compiled[kind] as ValidateFunction;
  return validate(body) ? [] : describe(validate.errors);
}

interface MappingNode {
  type?: string;
  index?: boolean;
  properties?: Record<string, MappingNode>;
}

/** Every mapped leaf field by dotted path. */
export function mappedLeaves(properties: Record<string, MappingNode>, prefix = ''): Map<string, MappingNode> {
  const out = new Map<string, MappingNode>();
  for (const [name, node] of Object.entries(properties)) {
    const path = `${prefix}${name}`;
    if (node.properties) for (const [k, v] of mappedLeaves(node.properties, `${path}.`)) out.set(k, v);
    else out.set(path, node);
  }
  return out;
}

/**
 * Why a template's index.query.default_field would not be searchable: each
 * entry (a field or a pattern) must match at least one explicitly mapped
 * field, and every field it matches must be a text-like type that is indexed
 * (`index: false` fields make a free-text query fail with a 400).
 */
export function defaultFieldProblems(template: {
  template?: { settings?: Record<string, unknown>; mappings?: { properties?: Record<string, MappingNode> } };
}): string[] {
  const fields = (template.template?.settings?.['index.query.default_field'] as string[] | undefined) ?? ['*'];
  const leaves = mappedLeaves(template.template?.mappings?.properties ?? {});
  const problems: string[] = [];
  for (const entry of fields) {
    const pattern = new RegExp(`^${entry.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const matched = [...leaves].filter(([path]) => pattern.test(path));
    if (matched.length === 0) problems.push(`${entry}: not an explicitly mapped field`);
    for (const [path, node] of matched) {
      if (entry.includes('*') && !SEARCHABLE_TEXT_TYPES.includes(node.type ?? 'object')) continue;
      if (!SEARCHABLE_TEXT_TYPES.includes(node.type ?? 'object')) problems.push(`${path}: type ${node.type} is not a text field`);
      else if (node.index === false) problems.push(`${path}: mapped with index: false (not searchable)`);
    }
  }
  return problems;
}
