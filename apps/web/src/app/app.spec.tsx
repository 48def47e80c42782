import { http, HttpResponse } from 'msw';
import { screen, within } from '@testing-library/react';
import { browser } from '../lib/browser';
import { me } from '../testing/data';
import { renderApp } from '../testing/render';
import { server } from '../testing/server';

describe('App shell', () => {
  it('when nobody is signed in, then the landing offers sign-in and account creation that return to the app', async () => {
    server.use(http.get('/api/me', () => new HttpResponse(null, { status: 401 })));
    renderApp('/');

    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Flotilla');
    const signIn = await screen.findByRole('link', { name: 'Sign in' });
    expect(signIn).toHaveAttribute('href', '/api/auth/login?returnTo=%2F');
    const register = screen.getByRole('link', { name: 'Create account' });
    expect(register).toHaveAttribute(
      'href',
      '/api/auth/login?returnTo=%2F&prompt=create',
    );
    expect(screen.queryByRole('button', { name: 'Sign out' })).not.toBeInTheDocument();
  });

  it('when signed in, then the header shows who it is and the dashboard shows the balance', async () => {
    renderApp('/');

    const header = screen.getByRole('banner');
    expect(await within(header).findByText(me.user.displayName)).toBeInTheDocument();
    expect(within(header).getByText(me.user.email)).toBeInTheDocument();
    // The dashboard is a lazy chunk: its first load in a test run can take seconds on a busy machine.
    const balance = await screen.findByRole('heading', { name: 'Balance' }, { timeout: 10_000 });
    expect(await within(balance.closest('section') as HTMLElement).findByText('€1,000.00')).toBeInTheDocument();
  });

  it('when signed in, then the user menu links to the auth service\'s password change page', async () => {
    renderApp('/');

    const header = screen.getByRole('banner');
    // The auth service owns the page (current + new password, ASVS 6.2.3); the gateway routes /auth to it.
    expect(await within(header).findByRole('link', { name: 'Change password' })).toHaveAttribute('href', '/auth/account/password');
  });

  it('when the API is down, then a clear message and Retry are shown, and Retry recovers', async () => {
    let up = false;
    server.use(http.get('/api/me', () => (up ? HttpResponse.json(me) : HttpResponse.error())));
    const { user } = renderApp('/');

    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Flotilla');
    expect(await screen.findByText("We can't reach Flotilla right now")).toBeInTheDocument();
    up = true;
    await user.click(screen.getByRole('button', { name: 'Retry' }));

    expect(await screen.findByRole('heading', { name: 'Balance' })).toBeInTheDocument();
  });

  it('when the API answers with an HTML page instead of JSON, then it is treated as down rather than as a user', async () => {
    server.use(http.get('/api/me', () => HttpResponse.html('<!doctype html><title>index</title>')));
    renderApp('/');

    expect(await screen.findByText("We can't reach Flotilla right now")).toBeInTheDocument();
  });

  it('when the user signs out, then the logout is posted with the CSRF header and the app goes home', async () => {
    document.cookie = 'csrf_token=token-123; path=/';
    let csrfHeader: string | null = null;
    server.use(
      http.post('/api/auth/logout', ({ request }) => {
        csrfHeader = request.headers.get('x-csrf-token');
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user } = renderApp('/');

    await user.click(await screen.findByRole('button', { name: 'Sign out' }));

    await vi.waitFor(() => expect(browser.assign).toHaveBeenCalledWith('/'));
    expect(csrfHeader).toBe('token-123');
  });

  it('when the API names where to end the provider session, then the app goes there after signing out', async () => {
    const endSession = 'http://localhost:8080/auth/logout?client_id=flotilla-bff&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A8080%2F&state=s1';
    server.use(http.post('/api/auth/logout', () => HttpResponse.json({ redirectTo: endSession })));
    const { user } = renderApp('/');

    await user.click(await screen.findByRole('button', { name: 'Sign out' }));

    await vi.waitFor(() => expect(browser.assign).toHaveBeenCalledWith(endSession));
    expect(browser.assign).not.toHaveBeenCalledWith('/');
  });

  it('when the logout answer names a non-http address, then the app goes home instead', async () => {
    server.use(http.post('/api/auth/logout', () => HttpResponse.json({ redirectTo: 'data:text/html,<script>alert(1)</script>' })));
    const { user } = renderApp('/');

    await user.click(await screen.findByRole('button', { name: 'Sign out' }));

    await vi.waitFor(() => expect(browser.assign).toHaveBeenCalledWith('/'));
  });

  it('when the address is unknown, then a lazily loaded not-found page links back home', async () => {
    renderApp('/nowhere');

    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to your dashboard' })).toHaveAttribute('href', '/');
  });
});
