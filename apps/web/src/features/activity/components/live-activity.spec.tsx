import { act, screen, waitFor, within } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import { account, activityEvent } from '../../../testing/data';
import { MockEventSource } from '../../../testing/mock-event-source';
import { renderWithClient } from '../../../testing/render';
import { server } from '../../../testing/server';
import { BalanceCard } from '../../account/components/balance-card';
import { LiveActivity } from './live-activity';

function renderFeed() {
  const view = renderWithClient(
    <>
      <BalanceCard />
      <LiveActivity />
    </>,
  );
  const balance = () => (screen.getByRole('heading', { name: 'Balance' }).closest('section') as HTMLElement);
  return { ...view, balance };
}

describe('LiveActivity', () => {
  it('when an incoming transfer arrives, then it is announced in the live log and the balance updates without a reload', async () => {
    const { balance } = renderFeed();
    await within(balance()).findByText('€1,000.00');
    const source = MockEventSource.latest();
    expect(source.url).toBe('http://localhost:3000/api/activity/stream');
    expect(screen.getByText('Connecting…')).toBeInTheDocument();

    act(() => source.open());
    expect(screen.getByText('Live')).toBeInTheDocument();
    act(() => source.emit('activity', activityEvent(41, { amount: 1250, note: 'lunch' }, 101_250), '41'));

    const log = screen.getByRole('log');
    expect(log).toHaveAttribute('aria-live', 'polite');
    expect(within(log).getByText(/Received €12.50 from Bob Builder \(bob@example.com\): "lunch"/)).toBeInTheDocument();
    expect(await within(balance()).findByText('€1,012.50')).toBeInTheDocument();
  });

  it('when an event is repeated or malformed, then the feed shows it at most once and ignores garbage', async () => {
    renderFeed();
    const source = MockEventSource.latest();
    act(() => source.open());

    act(() => {
      source.emit('activity', activityEvent(7, { direction: 'out', amount: 500, note: undefined }, 99_500), '7');
      source.emit('activity', activityEvent(7, { direction: 'out', amount: 500, note: undefined }, 99_500), '7');
      source.emit('activity', '{"sequence": "8"}', '8');
      source.emit('activity', 'not json', '9');
    });

    expect(within(screen.getByRole('log')).getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByText(/Sent €5.00 to Bob Builder/)).toBeInTheDocument();
  });

  it('when the connection drops, then the status says so and returns to Live when the browser reconnects', async () => {
    renderFeed();
    const source = MockEventSource.latest();
    act(() => source.open());

    act(() => source.drop());
    expect(screen.getByText('Connection lost. Reconnecting…')).toBeInTheDocument();
    act(() => source.open());

    expect(screen.getByText('Live')).toBeInTheDocument();
    expect(MockEventSource.instances).toHaveLength(1);
  });

  it('when the browser gives up on the stream, then a new one is opened and the balance is refetched to catch up', async () => {
    let balanceNow = 100_000;
    server.use(http.get('/api/account', () => HttpResponse.json(account({ balance: balanceNow }))));
    const { balance } = renderFeed();
    await within(balance()).findByText('€1,000.00');
    act(() => MockEventSource.latest().open());

    balanceNow = 130_000; // a payment arrived while the stream was down
    act(() => MockEventSource.latest().fail());

    await waitFor(() => expect(MockEventSource.instances).toHaveLength(2), { timeout: 3000 });
    expect(MockEventSource.instances[0]?.readyState).toBe(MockEventSource.CLOSED);
    await within(balance()).findByText('€1,300.00');
    act(() => MockEventSource.latest().open());
    expect(screen.getByText('Live')).toBeInTheDocument();
  });

  it('when a new stream replaces one the browser gave up on, then it asks the server for what follows the last sequence seen', async () => {
    renderFeed();
    act(() => MockEventSource.latest().open());
    act(() => MockEventSource.latest().emit('activity', activityEvent(41, { note: 'seen live' }, 101_250), '41'));

    act(() => MockEventSource.latest().fail());
    await waitFor(() => expect(MockEventSource.instances).toHaveLength(2), { timeout: 3000 });
    act(() => MockEventSource.latest().open());
    act(() => MockEventSource.latest().emit('activity', activityEvent(42, { amount: 300, note: 'missed one' }, 101_550), '42'));

    expect(MockEventSource.instances[0]?.url).toBe('http://localhost:3000/api/activity/stream');
    expect(MockEventSource.latest().url).toBe('http://localhost:3000/api/activity/stream?after=41');
    const items = within(screen.getByRole('log')).getAllByRole('listitem');
    expect(items.map((item) => item.textContent)).toEqual([expect.stringMatching(/"missed one"/), expect.stringMatching(/"seen live"/)]);
  });

  it('when the stream opens with the most recent activity, oldest first, then the feed shows it newest first instead of "Nothing yet"', async () => {
    renderFeed();
    act(() => MockEventSource.latest().open());

    act(() => {
      MockEventSource.latest().emit('activity', activityEvent(3, { note: 'older' }, 100_500), '3');
      MockEventSource.latest().emit('activity', activityEvent(9, { note: 'newer' }, 101_000), '9');
    });

    const items = within(screen.getByRole('log')).getAllByRole('listitem');
    expect(items.map((item) => item.textContent)).toEqual([expect.stringMatching(/"newer"/), expect.stringMatching(/"older"/)]);
    expect(screen.queryByText(/Nothing yet/)).not.toBeInTheDocument();
  });

  it('when an event arrives while the balance is still loading, then the older answer does not win', async () => {
    let calls = 0;
    server.use(
      http.get('/api/account', async () => {
        calls += 1;
        if (calls === 1) {
          await delay(200); // computed before the incoming payment
          return HttpResponse.json(account({ balance: 100_000 }));
        }
        return HttpResponse.json(account({ balance: 101_250 }));
      }),
    );
    const { balance } = renderFeed();
    act(() => MockEventSource.latest().open());

    act(() => MockEventSource.latest().emit('activity', activityEvent(5, {}, 101_250), '5'));

    expect(await within(balance()).findByText('€1,012.50')).toBeInTheDocument();
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});
