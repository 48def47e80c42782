import { defaultFieldProblems, validateElasticBody } from '../src';
import { listFiles, readJson } from './support';

/*
 * The bodies elk-setup sends to Elasticsearch, validated against typed
 * schemas of the 8.15 REST API (unknown keys, types, privilege names), and
 * finding 5: every index.query.default_field must be searchable (the old
 * template listed event.original, mapped index: false, so every free-text
 * query failed).
 */
type Template = Parameters<typeof defaultFieldProblems>[0];
const template = readJson<Template>('docker/elk/setup/index-template.json');
const policy = readJson('docker/elk/setup/ilm-policy.json');
const roles = listFiles('docker/elk/setup/roles', '.json').map((file) => ({ file, body: readJson('docker/elk/setup/roles', file) }));

describe('Elasticsearch request bodies', () => {
  it('when the index template is validated, then it matches the _index_template API', () => {
    expect(validateElasticBody('index-template', template)).toEqual([]);
  });

  it('when the ILM policy is validated, then it matches the _ilm/policy API', () => {
    expect(validateElasticBody('ilm-policy', policy)).toEqual([]);
  });

  it.each(roles)('when role $file is validated, then it matches the _security/role API', ({ body }) => {
    expect(validateElasticBody('role', body)).toEqual([]);
  });

  it('when the template lists default fields, then each is mapped and searchable', () => {
    expect(defaultFieldProblems(template)).toEqual([]);
  });

  it('when the old default fields (with event.original, index: false) are checked, then the check fails', () => {
    const old = structuredClone(template);
    (old.template?.settings ?? {})['index.query.default_field'] = ['message', 'error.message', 'event.original'];
    expect(defaultFieldProblems(old)).toEqual(['event.original: mapped with index: false (not searchable)']);
    (old.template?.settings ?? {})['index.query.default_field'] = ['message', 'no.such.field', 'http.response.status_code'];
    expect(defaultFieldProblems(old)).toEqual(['no.such.field: not an explicitly mapped field', 'http.response.status_code: type long is not a text field']);
  });

  it('when broken bodies are validated, then each is rejected with the reason', () => {
    const typo = structuredClone(template) as Record<string, unknown>;
    typo['index_pattern'] = typo['index_patterns'];
    delete typo['index_patterns'];
    expect(validateElasticBody('index-template', typo).join('\n')).toMatch(/must have required property 'index_patterns'[\s\S]*index_pattern/);

    const badType = structuredClone(template) as { template: { mappings: { properties: Record<string, unknown> } } };
    badType.template.mappings.properties['message'] = { type: 'string' };
    expect(validateElasticBody('index-template', badType).join('\n')).toContain('/template/mappings/properties/message/type');

    const badPhase = { policy: { phases: { hot: { actions: { delete: {} } } } } };
    expect(validateElasticBody('ilm-policy', badPhase).join('\n')).toContain('/policy/phases/hot/actions');
    expect(validateElasticBody('ilm-policy', { policy: { phases: { hot: { actions: { rollover: { max_age: '1 day' } } } } } })).not.toEqual([]);

    expect(validateElasticBody('role', { indices: [{ names: ['logs-*'], privileges: ['create-doc'] }] })).not.toEqual([]);
    expect(validateElasticBody('role', { cluster: ['monitorr'] })).not.toEqual([]);
  });
});
