import { act, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { browser } from '../../lib/browser';
import { account } from '../../testing/data';
import { errorResponse } from '../../testing/handlers';
import { renderApp } from '../../testing/render';
import { server } from '../../testing/server';

describe('Dashboard', () => {
  // The route is a lazy chunk; transforming it on first use can outlast findBy's timeout.
  beforeAll(async () => {
    await import('./dashboard');
  });

  it('when signed in, then every section is there with the labels people and the e2e suite rely on', async () => {
    renderApp('/');

    expect(await screen.findByRole('heading', { name: 'Balance' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Send money' })).toBeInTheDocument();
    expect(screen.getByLabelText('Recipient email')).toBeInTheDocument();
    expect(screen.getByLabelText('Amount')).toBeInTheDocument();
    expect(screen.getByLabelText('Note')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send' })).toBeInTheDocument();
    expect(screen.getByLabelText('Deposit amount')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Deposit' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'History' })).toBeInTheDocument();
    expect(screen.getByLabelText('Direction')).toBeInTheDocument();
    expect(screen.getByLabelText('From')).toBeInTheDocument();
    expect(screen.getByLabelText('To')).toBeInTheDocument();
    expect(screen.getByRole('log', { name: 'Live activity' })).toBeInTheDocument();
    expect(await screen.findByText('No transactions yet.')).toBeInTheDocument();
  });

  it('when the account is still being opened after registration, then "Setting up your account…" shows until it is ready', async () => {
    let attempts = 0;
    server.use(
      http.get('/api/account', () => {
        attempts += 1;
        return attempts < 3
          ? errorResponse(409, 'ACCOUNT_NOT_READY', 'Account is being created')
          : HttpResponse.json(account({ balance: 0 }));
      }),
    );
    renderApp('/');

    expect(await screen.findByText('Setting up your account…')).toBeInTheDocument();
    const card = screen.getByRole('heading', { name: 'Balance' }).closest('section') as HTMLElement;
    expect(await within(card).findByText('€0.00')).toBeInTheDocument();
    expect(attempts).toBe(3);
  });

  it('when the session expires while sending, then the draft is saved, sign-in is started and the draft comes back after', async () => {
    server.use(http.post('/api/transfers', () => errorResponse(401, 'UNAUTHORIZED', 'Session expired')));
    const first = renderApp('/');
    await first.user.type(await screen.findByLabelText('Recipient email'), 'bob@example.com');
    await first.user.type(screen.getByLabelText('Amount'), '42.10');
    await first.user.type(screen.getByLabelText('Note'), 'rent share');

    await first.user.click(screen.getByRole('button', { name: 'Send' }));

    await waitFor(() => expect(browser.assign).toHaveBeenCalledWith('/api/auth/login?returnTo=%2F'));
    const saved = JSON.parse(window.sessionStorage.getItem('flotilla.draft.transfer') ?? 'null');
    expect(saved).toEqual({ recipientEmail: 'bob@example.com', amount: '42.10', note: 'rent share' });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    first.unmount();

    renderApp('/');

    expect(await screen.findByLabelText('Recipient email')).toHaveValue('bob@example.com');
    expect(screen.getByLabelText('Amount')).toHaveValue('42.10');
    expect(screen.getByLabelText('Note')).toHaveValue('rent share');
    expect(screen.getByText(/We kept your unsent transfer/)).toBeInTheDocument();
    expect(window.sessionStorage.getItem('flotilla.draft.transfer')).toBeNull();
  });

  it('when the session expires while the dashboard loads, then sign-in starts with the current page as returnTo', async () => {
    server.use(http.get('/api/account', () => errorResponse(401, 'UNAUTHORIZED', 'Session expired')));
    renderApp('/');

    await waitFor(() => expect(browser.assign).toHaveBeenCalledWith('/api/auth/login?returnTo=%2F'));
  });

  it('when a background check finds the session gone, then the unsent draft is kept and sign-in starts instead of the landing', async () => {
    const view = renderApp('/');
    await view.user.type(await screen.findByLabelText('Recipient email'), 'carol@example.com');
    server.use(http.get('/api/me', () => errorResponse(401, 'UNAUTHORIZED', 'Not signed in')));

    await act(() => view.queryClient.refetchQueries({ queryKey: ['me'] }));

    expect(browser.assign).toHaveBeenCalledWith('/api/auth/login?returnTo=%2F');
    expect(JSON.parse(window.sessionStorage.getItem('flotilla.draft.transfer') ?? 'null')).toMatchObject({
      recipientEmail: 'carol@example.com',
    });
    expect(screen.queryByRole('link', { name: 'Sign in' })).not.toBeInTheDocument();
  });

  it('when a background refresh of the session fails, then the dashboard stays instead of an error page', async () => {
    const view = renderApp('/');
    await screen.findByRole('heading', { name: 'Balance' });
    server.use(http.get('/api/me', () => HttpResponse.error()));

    await act(() => view.queryClient.refetchQueries({ queryKey: ['me'] }).catch(() => undefined));

    await waitFor(() => expect(view.queryClient.getQueryState(['me'])?.status).toBe('error'));
    expect(screen.getByRole('heading', { name: 'Balance' })).toBeInTheDocument();
    expect(screen.queryByText("We can't reach Flotilla right now")).not.toBeInTheDocument();
  });
});
