import { spawnSync } from 'node:child_process';
import { parseLogstash, walkBlocks } from '../src';
import { readText, repoPath } from './support';

/*
 * Finding 4: PostgreSQL, Prometheus, Alertmanager and the exporters write all
 * their lines, info included, to stderr; the old pipeline called every
 * plain-text stderr line an error. The main pipeline now runs
 * docker/elk/logstash/scripts/log-level.rb on lines without a level. Here
 * that script runs (Debian's Ruby, through test/ruby/run-filter.rb) on real
 * lines captured from the offline images of those programs
 * (fixtures/plain-text-lines.tsv: source, stream, expected level, line).
 */
const SCRIPT = repoPath('docker/elk/logstash/scripts/log-level.rb');
const fixtures = readText('tools/observability/test/fixtures/plain-text-lines.tsv')
  .split('\n')
  .filter((line) => line && !line.startsWith('#'))
  .map((row) => {
    const [source, stream, expected, ...rest] = row.split('\t');
    return { source: source as string, stream: stream as string, expected: expected as string, line: rest.join('\t') };
  });

type Event = { message: string; stream: string; log?: { level?: string } };
function runFilter(script: string, events: Event[]): Event[] {
  const result = spawnSync('ruby', [repoPath('tools/observability/test/ruby/run-filter.rb'), script], {
    input: events.map((e) => JSON.stringify(e)).join('\n'),
    encoding: 'utf8',
  });
  if (result.error) throw new Error(`ruby is not installed (Debian package ruby): ${result.error.message}`);
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Event);
}

/** The old pipeline's rule, for the failing-on-the-old-file test. */
const OLD_RULE = (e: Event) => e.log?.level ?? (e.stream === 'stderr' ? 'error' : 'info');

describe('plain-text log levels', () => {
  it('when the fixtures are read, then they cover every program the finding names, with info lines on stderr', () => {
    const sources = new Set(fixtures.map((f) => f.source));
    for (const program of ['postgres', 'prometheus', 'alertmanager', 'postgres-exporter', 'nginx-exporter']) expect(sources).toContain(program);
    expect(fixtures.filter((f) => f.stream === 'stderr' && f.expected === 'info').length).toBeGreaterThan(10);
  });

  it('when the captured lines go through log-level.rb, then each gets the level the line names', () => {
    const out = runFilter(SCRIPT, fixtures.map((f) => ({ message: f.line, stream: f.stream })));
    const wrong = fixtures.flatMap((f, i) =>
      out[i]?.log?.level === f.expected ? [] : [`${f.source}: got ${out[i]?.log?.level}, want ${f.expected}: ${f.line}`],
    );
    expect(wrong).toEqual([]);
  });

  it('when a line names no level, then the stream decides; when the event has one, it stays', () => {
    const out = runFilter(SCRIPT, [
      { message: 'Starting...', stream: 'stderr' },
      { message: 'Starting...', stream: 'stdout' },
      { message: 'x level=info y', stream: 'stderr', log: { level: 'warn' } },
    ]);
    expect(out.map((e) => e.log?.level)).toEqual(['error', 'info', 'warn']);
  });

  it("when the old rule (stderr means error) meets the captured lines, then it is wrong on the programs' info lines", () => {
    const wrong = fixtures.filter((f) => OLD_RULE({ message: f.line, stream: f.stream }) !== f.expected);
    expect(wrong.length).toBeGreaterThan(10);
  });

  it('when the main pipeline is read, then lines without a level go through log-level.rb, mounted where the path says', () => {
    const blocks = walkBlocks(parseLogstash(readText('docker/elk/logstash/pipeline/flotilla.conf')));
    const ruby = blocks.find((b) => b.header === 'ruby' && b.settings['id'] === 'plain-text-level');
    expect(ruby?.settings['path']).toBe('/usr/share/logstash/scripts/log-level.rb');
    expect(ruby?.parent?.header).toBe('if ![log][level]');
    expect(readText('docker-compose.yml')).toContain('./docker/elk/logstash/scripts:/usr/share/logstash/scripts:ro');
  });
});
