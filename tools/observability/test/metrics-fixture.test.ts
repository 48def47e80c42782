import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNameList } from '../src';
import { readText, repoPath } from './support';
import { sampleService } from './service-sample';

/**
 * Metrics declared with prom-client in a project's source (specs excluded),
 * as the sample names a scrape shows. Read as text: the messaging lib and the
 * apps are not dependencies this util project may import.
 */
function declaredSamples(...dirs: string[]): Map<string, string> {
  const samples = new Map<string, string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'generated' && entry.name !== 'node_modules') visit(path);
      } else if (entry.name.endsWith('.ts') && !/\.(spec|test)\.ts$/.test(entry.name)) {
        const source = readFileSync(path, 'utf8');
        for (const match of source.matchAll(/new (Counter|Gauge|Histogram|Summary)\b[^(]*\(\{\s*name:\s*'([a-z_:][a-z0-9_:]*)'/g)) {
          const [, kind, name] = match as unknown as [string, string, string];
          const names = kind === 'Histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`]
            : kind === 'Summary' ? [name, `${name}_sum`, `${name}_count`]
            : [name];
          for (const sample of names) samples.set(sample, path.slice(repoPath().length + 1));
        }
      }
    }
  };
  for (const dir of dirs) visit(repoPath(dir));
  return samples;
}

/** Families the service kit itself exports; the rest of the fixture is the messaging lib's and the api's. */
const KIT_FAMILIES = /^(http_server_|process_|nodejs_|service_ready$)/;
/** prom-client exposes these only while a handle or request of some type is active. */
const SOMETIMES = new Set(['nodejs_active_handles', 'nodejs_active_requests']);

describe('exported-metrics.txt (the services list)', () => {
  const fixture = parseNameList(readText('docker/prometheus/tests/exported-metrics.txt'));
  let live: Set<string>;

  beforeAll(async () => {
    live = (await sampleService('api')).metricNames;
  });

  it('when the real service kit is scraped, then every name it exposes is in the list', () => {
    expect([...live].filter((name) => !fixture.has(name))).toEqual([]);
  });

  it("when the list names the service kit's own metrics, then the kit really exposes each of them", () => {
    expect(live.has('service_ready')).toBe(true);
    expect([...fixture].filter((name) => KIT_FAMILIES.test(name) && !SOMETIMES.has(name) && !live.has(name))).toEqual([]);
  });

  it('when the messaging lib and the services declare metrics, then the list and their source agree', () => {
    const declared = declaredSamples('libs/messaging/src', 'apps/api/src', 'apps/auth/src');
    const notListed = [...declared].filter(([name]) => !fixture.has(name)).map(([name, file]) => `${name} (${file})`);
    const notDeclared = [...fixture].filter((name) => /^(messaging_|outbox_|ledger_)/.test(name) && !declared.has(name));
    expect({ notListed, notDeclared }).toEqual({ notListed: [], notDeclared: [] });
  });
});
