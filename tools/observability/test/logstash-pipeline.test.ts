import { parse } from 'yaml';
import { autoRoutingProblems, elasticsearchOutputs, originalCopyProblems, parseLogstash, walkBlocks } from '../src';
import { listFiles, readText } from './support';

/*
 * The Logstash pipelines, parsed (src/lib/logstash.ts) and checked for the
 * findings of issue 14 that would only show on a running Logstash:
 *   3. every data-stream output sets data_stream_auto_routing => false;
 *   7. the dead-letter directory exists before the dead_letter_queue input starts;
 *   8. [event][original] is kept only for lines that failed to parse.
 */
const DIR = 'docker/elk/logstash/pipeline';
const pipelines = listFiles(DIR, '.conf').map((file) => ({ file, blocks: parseLogstash(readText(DIR, file)) }));
const OLD_OUTPUT = `output {
  elasticsearch {
    id => "elasticsearch"
    data_stream => "true"
    data_stream_type => "logs"
    data_stream_dataset => "flotilla"
  }
}`;
const OLD_FILTER = `filter {
  # The original line, kept for Discover and for reprocessing.
  mutate {
    copy => { "message" => "[event][original]" }
  }
  if [message] =~ /^\\s*\\{/ {
    json { source => "message" tag_on_failure => ["_jsonparsefailure"] }
  }
}`;

describe('Logstash pipeline parser', () => {
  it('when a pipeline has braces inside regexes, strings and comments, then blocks still nest right', () => {
    const blocks = parseLogstash(`filter { # a { in a comment
  if [message] =~ /^\\s*\\{/ { mutate { replace => { "message" => "}{" } } }
  else { ruby { code => "x = { 'a' => 1 }" } }
}
output { elasticsearch { hosts => ["http://es:9200"] data_stream => "true" } }`);
    expect(blocks.map((b) => b.header)).toEqual(['filter', 'output']);
    expect(walkBlocks(blocks).map((b) => b.header)).toEqual(['filter', 'if [message] =~ /^\\s*\\{/', 'mutate', 'replace =>', 'else', 'ruby', 'output', 'elasticsearch']);
    expect(elasticsearchOutputs(blocks)[0]?.settings).toEqual({ hosts: 'http://es:9200', data_stream: 'true' });
    expect(() => parseLogstash('filter { mutate { }')).toThrow('unbalanced');
  });
});

describe('Logstash pipelines', () => {
  it('when the pipelines are read, then both have a data-stream Elasticsearch output', () => {
    expect(pipelines.map((p) => p.file)).toEqual(['dead-letters.conf', 'flotilla.conf']);
    for (const { blocks } of pipelines) expect(elasticsearchOutputs(blocks).map((o) => o.settings['data_stream'])).toEqual(['true']);
  });

  it.each(pipelines)("when $file's outputs are read, then none routes by the event's own data_stream fields", ({ file, blocks }) => {
    expect(autoRoutingProblems(file, blocks)).toEqual([]);
  });

  it('when an output without data_stream_auto_routing (the old one) is checked, then the check fails', () => {
    expect(autoRoutingProblems('old.conf', parseLogstash(OLD_OUTPUT))).toEqual([
      "old.conf: output elasticsearch routes by the event's data_stream fields (set data_stream_auto_routing => false)",
    ]);
  });

  it.each(pipelines)('when $file copies the raw line, then only for lines that failed to parse', ({ file, blocks }) => {
    expect(originalCopyProblems(file, blocks)).toEqual([]);
  });

  it('when the main pipeline is read, then unparsed lines still keep their original', () => {
    const flotilla = pipelines.find((p) => p.file === 'flotilla.conf')?.blocks ?? [];
    const copies = walkBlocks(flotilla).filter((b) => b.header === 'copy =>' && b.settings['message'] === '[event][original]');
    expect(copies).toHaveLength(1);
  });

  it('when the old filter (a copy of every line) is checked, then the check fails', () => {
    expect(originalCopyProblems('old.conf', parseLogstash(OLD_FILTER))).toHaveLength(1);
  });
});

describe('Logstash dead letter queue on first boot', () => {
  const compose = parse(readText('docker-compose.yml'), { merge: true }) as {
    services: Record<string, { command?: string[]; entrypoint?: string[] }>;
  };
  const dlqInput = walkBlocks(pipelines.find((p) => p.file === 'dead-letters.conf')?.blocks ?? []).find((b) => b.header === 'dead_letter_queue');
  const dlqDir = `${dlqInput?.settings['path']}/${dlqInput?.settings['pipeline_id']}`;

  /** Does the command create DIR before it execs the image's entrypoint? */
  const createsFirst = (command: string[] | undefined, dir: string) => {
    const script = (command ?? []).join(' ');
    const mkdir = script.search(new RegExp(`mkdir -p [^;&|]*${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(\\s|$)`));
    const entry = script.indexOf('docker-entrypoint');
    return mkdir >= 0 && entry > mkdir;
  };

  it('when the dead-letters input is read, then it reads the flotilla pipeline queue under the data volume', () => {
    expect(dlqDir).toBe('/usr/share/logstash/data/dead_letter_queue/flotilla');
  });

  it('when Logstash starts, then its command creates that directory before the entrypoint', () => {
    expect(createsFirst(compose.services['logstash']?.command, dlqDir)).toBe(true);
  });

  it('when the old command (the entrypoint alone) is checked, then the check fails', () => {
    expect(createsFirst(['/usr/local/bin/docker-entrypoint'], dlqDir)).toBe(false);
  });
});
