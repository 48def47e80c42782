import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { account, historyEntry, historyPage } from '../../../testing/data';
import { renderWithClient } from '../../../testing/render';
import { server } from '../../../testing/server';
import { BalanceChart, chartPoints, describeSeries } from './balance-chart';

describe('BalanceChart', () => {
  it('when the history has loaded, then the SVG has a text alternative and the days are a table for screen readers', async () => {
    const requests: URLSearchParams[] = [];
    server.use(
      http.get('/api/history', ({ request }) => {
        requests.push(new URL(request.url).searchParams);
        return HttpResponse.json(historyPage([historyEntry({ direction: 'in', amount: 2_500, balanceAfter: 10_000, createdAt: new Date().toISOString() })]));
      }),
    );

    server.use(http.get('/api/account', () => HttpResponse.json(account({ balance: 10_000 }))));
    renderWithClient(<BalanceChart />);

    const image = await screen.findByRole('img', { name: /Balance, last 30 days.*€75\.00 on .*€100\.00 on .*lowest €75\.00, highest €100\.00/ });
    expect(image.tagName.toLowerCase()).toBe('svg');
    const table = screen.getByRole('table', { name: 'Balance at the end of each of the last 30 days' });
    expect(within(table).getAllByRole('row')).toHaveLength(31);
    expect(within(table).getAllByRole('cell').at(-1)).toHaveTextContent('€100.00');
    expect(requests[0]?.get('from')).toBeTruthy();
    expect(requests[0]?.get('limit')).toBe('100');
  });

  it('when the balance is flat, then the line is drawn mid-height; when it rises, then later points are higher', () => {
    expect(chartPoints([{ day: 'a', balance: 1 }, { day: 'b', balance: 1 }])).toBe('4.0,36.0 296.0,36.0');
    const [first, last] = chartPoints([{ day: 'a', balance: 0 }, { day: 'b', balance: 10 }]).split(' ');
    expect(Number(first?.split(',')[1])).toBeGreaterThan(Number(last?.split(',')[1]));
  });

  it('when there are no days, then the description says so', () => {
    expect(describeSeries([], 'EUR')).toBe('No balance history yet.');
  });
});
