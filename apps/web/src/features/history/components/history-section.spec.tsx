import type { HistoryPage } from '@flotilla/contracts';
import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { historyEntry, historyPage } from '../../../testing/data';
import { renderWithClient } from '../../../testing/render';
import { server } from '../../../testing/server';
import { HistorySection } from './history-section';

function recordHistory(respond: (params: URLSearchParams) => HistoryPage | Response) {
  const requests: URLSearchParams[] = [];
  server.use(
    http.get('/api/history', ({ request }) => {
      const params = new URL(request.url).searchParams;
      requests.push(params);
      const result = respond(params);
      return result instanceof Response ? result : HttpResponse.json(result);
    }),
  );
  return requests;
}

describe('HistorySection', () => {
  it('when there are more pages, then "Load more" fetches the next one with the cursor and appends it', async () => {
    const requests = recordHistory((params) =>
      params.get('cursor') === 'page-2'
        ? historyPage([historyEntry({ note: 'second page' })])
        : historyPage([historyEntry({ note: 'first page', direction: 'out', counterparty: undefined, kind: 'deposit' })], 'page-2'),
    );
    const { user } = renderWithClient(<HistorySection />);

    const list = await screen.findByRole('list', { name: 'Transactions' });
    expect(within(list).getByText('first page')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Load more' }));

    expect(await within(list).findByText('second page')).toBeInTheDocument();
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    expect(requests.map((params) => params.get('cursor'))).toEqual([null, 'page-2']);
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    expect(screen.getByText('That is everything.')).toBeInTheDocument();
  });

  it('when filters are chosen, then the query carries direction and the local day bounds as instants', async () => {
    const requests = recordHistory(() => historyPage([]));
    const { user } = renderWithClient(<HistorySection />);
    await screen.findByText('No transactions yet.');

    await user.selectOptions(screen.getByLabelText('Direction'), 'out');
    await user.type(screen.getByLabelText('From'), '2026-11-01');
    await user.type(screen.getByLabelText('To'), '2026-11-27');

    expect(await screen.findByText('No transactions match these filters.')).toBeInTheDocument();
    const last = requests[requests.length - 1] as URLSearchParams;
    expect(last.get('direction')).toBe('out');
    expect(last.get('from')).toBe(new Date('2026-11-01T00:00:00').toISOString());
    expect(last.get('to')).toBe(new Date('2026-11-27T23:59:59.999').toISOString());
    const csv = new URL(screen.getByRole('link', { name: 'Download CSV (these filters)' }).getAttribute('href') ?? '');
    expect(csv.pathname).toBe('/api/history.csv');
    expect(Object.fromEntries(csv.searchParams)).toEqual({ direction: 'out', from: last.get('from'), to: last.get('to') });
  });

  it('when "From" is after "To", then the problem is explained and no request is made for it', async () => {
    const requests = recordHistory(() => historyPage([]));
    const { user } = renderWithClient(<HistorySection />);
    await screen.findByText('No transactions yet.');

    await user.type(screen.getByLabelText('From'), '2026-11-20');
    await user.type(screen.getByLabelText('To'), '2026-11-01');

    expect(screen.getByRole('alert')).toHaveTextContent('"From" must be on or before "To".');
    expect(requests.some((params) => params.get('to') !== null && params.get('from') !== null)).toBe(false);
  });

  it('when history fails to load, then an error with Retry is shown and Retry recovers', async () => {
    let fail = true;
    recordHistory(() =>
      fail ? HttpResponse.json({ statusCode: 503, code: 'UNAVAILABLE', error: 'Service Unavailable', message: 'Down' }, { status: 503 }) : historyPage([historyEntry({ note: 'back' })]),
    );
    const { user } = renderWithClient(<HistorySection />);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your history could not be loaded.');
    fail = false;
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));

    expect(await screen.findByText('back')).toBeInTheDocument();
  });
});
