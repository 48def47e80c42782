import { allPanels, dashboardQueries, interpolate, variablesUsed, type GrafanaDashboard } from './grafana';

const dashboard: GrafanaDashboard = {
  panels: [
    { id: 1, type: 'stat', title: 'A', targets: [{ refId: 'A', expr: 'up' }] },
    { id: 2, type: 'row', title: 'R', panels: [{ id: 3, title: 'Nested', targets: [{ refId: 'A', expr: 'pg_up' }] }] },
  ],
  templating: {
    list: [
      { name: 'service', type: 'query', datasource: { type: 'prometheus' }, query: 'label_values(up{job=~"api|auth"}, service)' },
      { name: 'q', type: 'query', datasource: { type: 'prometheus' }, query: { query: 'query_result(topk(3, x_total))' } },
      { name: 'names', type: 'query', datasource: { type: 'prometheus' }, query: 'label_names()' },
      { name: 't', type: 'textbox' },
    ],
  },
};

describe('allPanels', () => {
  it("when a row holds panels, then they are listed with the row's siblings", () => {
    expect(allPanels(dashboard).map((p) => p.id)).toEqual([1, 2, 3]);
  });
});

describe('dashboardQueries', () => {
  it('when panels and query variables hold PromQL, then each expression is returned once with where it was found', () => {
    expect(dashboardQueries(dashboard)).toEqual([
      { where: 'panel 1 "A" A', expr: 'up' },
      { where: 'panel 3 "Nested" A', expr: 'pg_up' },
      { where: 'variable $service', expr: 'up{job=~"api|auth"}' },
      { where: 'variable $q', expr: 'topk(3, x_total)' },
    ]);
  });
});

describe('variablesUsed and interpolate', () => {
  const expr =
    'sum by (route) (rate(x_count{service="$service", route=~"${route}", code=~"5..|[[code]]"}[$__rate_interval])) / $__range';

  it('when an expression uses variables in every syntax, then each is named once and built-ins are not', () => {
    expect(variablesUsed(expr).sort()).toEqual(['code', 'route', 'service']);
  });

  it('when an expression is interpolated, then durations become 5m and regex variables become .*', () => {
    expect(interpolate(expr)).toBe(
      'sum by (route) (rate(x_count{service="service", route=~".*", code=~"5..|.*"}[5m])) / 5m',
    );
  });
});
