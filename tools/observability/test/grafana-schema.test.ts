import { dashboardProblems } from '../src';
import { listFiles, readJson } from './support';

/* The provisioned dashboards against a typed model of Grafana 11's dashboard JSON. */
const dashboards = listFiles('docker/grafana/dashboards', '.json').map((file) => ({ file, model: readJson<Record<string, unknown>>('docker/grafana/dashboards', file) }));

describe('Grafana dashboard schema', () => {
  it.each(dashboards)('when $file is validated, then it matches the dashboard model and its panels fit the grid', ({ model }) => {
    expect(dashboardProblems(model)).toEqual([]);
  });

  it('when broken dashboards are validated, then each is rejected with the reason', () => {
    const base = structuredClone(dashboards[0]?.model) as { panels: Record<string, unknown>[] } & Record<string, unknown>;
    const cases: [string, (d: typeof base) => void, RegExp][] = [
      ['no uid', (d) => delete d['uid'], /required property 'uid'/],
      ['misspelt key', (d) => (d['templateing'] = d['templating']), /templateing/],
      ['unknown panel type', (d) => ((d.panels[1] as Record<string, unknown>)['type'] = 'graphh'), /\/panels\/1\/type/],
      ['panel wider than the grid', (d) => ((d.panels[1] as { gridPos: { x: number; w: number } }).gridPos = { x: 20, w: 8, h: 4, y: 0 } as never), /> 24|overlap/],
      ['overlapping panels', (d) => ((d.panels[2] as { gridPos: unknown }).gridPos = structuredClone((d.panels[1] as { gridPos: unknown }).gridPos)), /overlap/],
      ['a panel key typo', (d) => ((d.panels[1] as Record<string, unknown>)['fieldconfig'] = {}), /fieldconfig/],
    ];
    for (const [label, breakIt, reason] of cases) {
      const broken = structuredClone(base);
      breakIt(broken);
      expect({ label, problems: dashboardProblems(broken).join('\n') }).toEqual({ label, problems: expect.stringMatching(reason) });
    }
  });
});
