import type { DepositRequest, DepositResponse } from '@flotilla/contracts';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { account } from '../../../testing/data';
import { errorResponse } from '../../../testing/handlers';
import { renderWithClient } from '../../../testing/render';
import { server } from '../../../testing/server';
import { BalanceCard } from '../../account/components/balance-card';
import { DepositForm } from './deposit-form';

const deposited = (amount: number, balanceAfter: number): DepositResponse => ({
  depositId: '9f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f',
  amount,
  currency: 'EUR',
  balanceAfter,
  createdAt: '2026-11-27T11:00:00.000Z',
});

describe('DepositForm', () => {
  it('when a deposit succeeds, then the exact amount is posted with a key and the balance updates', async () => {
    const bodies: DepositRequest[] = [];
    const keys: (string | null)[] = [];
    let balance = 100_000;
    server.use(
      http.get('/api/account', () => HttpResponse.json(account({ balance }))),
      http.post<never, DepositRequest, DepositResponse>('/api/deposits', async ({ request }) => {
        const body = await request.json();
        bodies.push(body);
        keys.push(request.headers.get('idempotency-key'));
        balance += body.amount;
        return HttpResponse.json(deposited(body.amount, balance), { status: 201 });
      }),
    );
    const { user } = renderWithClient(
      <>
        <BalanceCard />
        <DepositForm currency="EUR" />
      </>,
    );
    const balanceCard = (await screen.findByRole('heading', { name: 'Balance' })).closest('section') as HTMLElement;
    await within(balanceCard).findByText('€1,000.00');

    await user.type(screen.getByLabelText('Deposit amount'), '250.75');
    await user.click(screen.getByRole('button', { name: 'Deposit' }));

    const region = screen.getByRole('region', { name: 'Deposit' });
    await waitFor(() => expect(within(region).getByRole('status')).toHaveTextContent('Deposited €250.75.'));
    expect(bodies).toEqual([{ amount: 25_075 }]);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    await within(balanceCard).findByText('€1,250.75');
  });

  it('when the amount is above the per-deposit maximum, then it is refused before sending', async () => {
    const { user } = renderWithClient(<DepositForm currency="EUR" />);

    await user.type(screen.getByLabelText('Deposit amount'), '1000.01');
    await user.click(screen.getByRole('button', { name: 'Deposit' }));

    expect(screen.getByLabelText('Deposit amount')).toHaveAccessibleDescription(/at most €1,000.00 at a time/);
  });

  it('when the daily limit is reached, then the API refusal is shown next to the amount', async () => {
    server.use(http.post('/api/deposits', () => errorResponse(422, 'DAILY_DEPOSIT_LIMIT', 'Daily deposit limit reached')));
    const { user } = renderWithClient(<DepositForm currency="EUR" />);

    await user.type(screen.getByLabelText('Deposit amount'), '100');
    await user.click(screen.getByRole('button', { name: 'Deposit' }));

    await waitFor(() =>
      expect(screen.getByLabelText('Deposit amount')).toHaveAccessibleDescription(/over the daily deposit limit of €5,000.00/),
    );
  });

  it('when a deposit times out and is sent again, then the retry carries the same Idempotency-Key', async () => {
    const keys: (string | null)[] = [];
    server.use(
      http.post<never, DepositRequest, DepositResponse>('/api/deposits', async ({ request }) => {
        keys.push(request.headers.get('idempotency-key'));
        const body = await request.json();
        return keys.length === 1 ? HttpResponse.error() : HttpResponse.json(deposited(body.amount, 110_000), { status: 201 });
      }),
    );
    const { user } = renderWithClient(<DepositForm currency="EUR" />);
    await user.type(screen.getByLabelText('Deposit amount'), '100');

    await user.click(screen.getByRole('button', { name: 'Deposit' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/Trying again is safe/);
    await user.click(screen.getByRole('button', { name: 'Deposit' }));

    expect(await screen.findByText('Deposited €100.00.')).toBeInTheDocument();
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });
});
