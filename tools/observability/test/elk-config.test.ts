import { existsSync } from 'node:fs';
import { repoPath, readJson, readText, readYaml } from './support';

interface FilebeatConfig {
  'filebeat.inputs': { type: string; paths: string[]; parsers?: Record<string, unknown>[] }[];
  processors: Record<string, unknown>[];
  'queue.disk'?: { max_size?: string };
  'output.logstash': { hosts: string[] };
}

const filebeat = readYaml<FilebeatConfig>('docker/elk/filebeat/filebeat.yml');
const logstash = readYaml<Record<string, unknown>>('docker/elk/logstash/config/logstash.yml');
const pipelines = readYaml<{ 'pipeline.id': string; 'path.config': string }[]>('docker/elk/logstash/config/pipelines.yml');
const pipeline = readText('docker/elk/logstash/pipeline/flotilla.conf');
const deadLetters = readText('docker/elk/logstash/pipeline/dead-letters.conf');
const template = readJson<{ index_patterns: string[]; template: { settings: Record<string, unknown> } }>(
  'docker/elk/setup/index-template.json',
);
const policy = readJson<{
  policy: { phases: { hot: { actions: { rollover: Record<string, string> } }; delete: { min_age: string } } };
}>('docker/elk/setup/ilm-policy.json');

/** type-dataset-namespace of the data stream a pipeline's output writes to. */
function dataStream(config: string): string {
  const output = config.slice(config.indexOf('output {'));
  const option = (name: string) => new RegExp(`${name}\\s*=>\\s*"([^"]*)"`).exec(output)?.[1];
  return `${option('data_stream_type')}-${option('data_stream_dataset')}-${option('data_stream_namespace')}`;
}

const globMatches = (pattern: string, name: string) =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name);

describe('shipping: Filebeat', () => {
  it("when Filebeat is configured, then it tails Docker's json-file logs and adds container metadata", () => {
    const [input] = filebeat['filebeat.inputs'];
    expect(input?.type).toBe('filestream');
    expect(input?.paths).toEqual(['/var/lib/docker/containers/*/*-json.log']);
    expect(input?.parsers).toEqual([{ container: expect.objectContaining({ format: 'docker' }) }]);
    expect(filebeat.processors.some((processor) => 'add_docker_metadata' in processor)).toBe(true);
  });

  it('when Logstash or Elasticsearch is down, then Filebeat holds events in a disk queue and ships to Logstash', () => {
    expect(filebeat['queue.disk']?.max_size).toMatch(/^\d+(MB|GB)$/);
    expect(filebeat['output.logstash'].hosts).toEqual(['logstash:5044']);
    expect(pipeline).toMatch(/beats\s*\{\s*port\s*=>\s*5044/);
  });
});

describe('Logstash', () => {
  it('when Logstash restarts, then its persisted queue keeps accepted events and rejects go to the dead letter queue', () => {
    expect(logstash['queue.type']).toBe('persisted');
    expect(logstash['dead_letter_queue.enable']).toBe(true);
  });

  it('when pipelines.yml is read, then each pipeline file exists and the DLQ reader follows the main pipeline', () => {
    for (const entry of pipelines) {
      const file = entry['path.config'].replace('/usr/share/logstash/pipeline/', 'docker/elk/logstash/pipeline/');
      expect(existsSync(repoPath(file))).toBe(true);
    }
    const main = pipelines.find((entry) => entry['path.config'].endsWith('/flotilla.conf'));
    expect(deadLetters).toContain(`pipeline_id => "${main?.['pipeline.id']}"`);
  });

  it('when a line is not JSON, then it is kept and tagged _jsonparsefailure, never dropped', () => {
    expect(pipeline).toContain('tag_on_failure => ["_jsonparsefailure"]');
    expect(pipeline).toMatch(/add_tag => \["_jsonparsefailure"\]/);
    expect(pipeline).not.toMatch(/\bdrop\s*\{/);
    expect(deadLetters).not.toMatch(/\bdrop\s*\{/);
  });

  it("when a gateway line has a query string, then it is not indexed (OAuth codes in /api/auth/callback)", () => {
    const gateway = pipeline.slice(pipeline.indexOf('if [service] == "gateway"'), pipeline.indexOf('id => "scalar-ecs-roots"'));
    expect(gateway).toContain('"uri" => "[url][path]"');
    expect(gateway).toContain('gsub => ["[url][path]", "\\?.*$", ""');
    // The raw line (with the query) is never copied for a parsed gateway line:
    // [event][original] is kept only for lines that failed to parse
    // (logstash-pipeline.test.ts, finding 8).
    expect(gateway).not.toContain('[event][original]');
    expect(pipeline.indexOf('if "_jsonparsefailure" in [tags]')).toBeGreaterThan(-1);
    expect(gateway.indexOf('gsub')).toBeLessThan(gateway.indexOf('replace => { "message"'));
  });

  it('when events are written, then every data stream they go to is covered by the index template', () => {
    const streams = [dataStream(pipeline), dataStream(deadLetters)];
    expect(streams).toEqual(['logs-flotilla-default', 'logs-flotilla-deadletter']);
    for (const stream of streams) {
      expect(template.index_patterns.some((pattern) => globMatches(pattern, stream))).toBe(true);
    }
  });

  it('when an output writes to a data stream, then it sets only options the plugin accepts in that mode', () => {
    // logstash-output-elasticsearch raises a ConfigurationError at start for
    // any other option with data_stream => true (invalid_data_stream_params).
    const allowed = /^(id|hosts|user|password|api_key|ssl_\w+|data_stream\w*|action|routing|pipeline|timeout|pool_max\w*|retry_\w+|http_compression)$/;
    for (const config of [pipeline, deadLetters]) {
      const output = config.slice(config.indexOf('output {'));
      const options = [...output.matchAll(/^\s*(\w+)\s*=>/gm)].map((m) => m[1] as string);
      expect(options).toContain('data_stream');
      expect(options.filter((option) => !allowed.test(option))).toEqual([]);
    }
  });

  it('when Logstash writes, then it authenticates as logstash_writer, whose role covers exactly the data streams', () => {
    expect(pipeline).toContain('user => "logstash_writer"');
    expect(pipeline).toContain('password => "${LOGSTASH_WRITER_PASSWORD}"');
    const role = readJson<{ indices: { names: string[]; privileges: string[] }[] }>('docker/elk/setup/roles/logstash_writer.json');
    expect(role.indices).toEqual([{ names: template.index_patterns, privileges: expect.arrayContaining(['create_doc', 'auto_configure']) }]);
    expect(role.indices[0]?.privileges).not.toContain('delete_index');
  });
});

describe('Elasticsearch', () => {
  it('when the index template is read, then it makes data streams managed by the laptop ILM policy', () => {
    expect(template.template.settings['index.lifecycle.name']).toBe('flotilla-logs');
    expect(template.template.settings['index.number_of_replicas']).toBe(0);
    expect(readText('docker/elk/setup/setup.sh')).toContain('_ilm/policy/flotilla-logs');
    expect(policy.policy.phases.hot.actions.rollover).toEqual({ max_age: '1d', max_primary_shard_size: '1gb' });
    expect(policy.policy.phases.delete.min_age).toBe('7d');
  });

  it('when Elasticsearch starts, then security is on and the heap is 512 MB', () => {
    const config = readYaml<Record<string, unknown>>('docker/elk/elasticsearch/elasticsearch.yml');
    expect(config['xpack.security.enabled']).toBe(true);
    expect(config['discovery.type']).toBe('single-node');
    const heap = readText('docker/elk/elasticsearch/heap.options')
      .split('\n')
      .filter((line) => line.startsWith('-X'));
    expect(heap).toEqual(['-Xms512m', '-Xmx512m']);
  });
});

describe('Kibana', () => {
  it('when Kibana connects, then it uses kibana_system with passwords from the environment, never literals', () => {
    const config = readYaml<Record<string, unknown>>('docker/elk/kibana/kibana.yml');
    expect(config['elasticsearch.username']).toBe('kibana_system');
    expect(config['elasticsearch.password']).toBe('${KIBANA_SYSTEM_PASSWORD}');
    expect(config['xpack.encryptedSavedObjects.encryptionKey']).toBe('${KIBANA_ENCRYPTION_KEY}');
  });
});
