import { http, HttpResponse } from 'msw';
import { server } from '../testing/server';
import { apiRequest } from './api-client';

/**
 * Over https the API names its CSRF cookie `__Host-csrf_token` (a name only a
 * secure, host-only, Path=/ cookie may carry); plain-http development keeps
 * `csrf_token`. jsdom refuses to store a `__Host-` cookie over http, so the
 * cookie string is given directly.
 */
describe('apiRequest CSRF header', () => {
  afterEach(() => vi.restoreAllMocks());

  async function headerSentWith(cookies: string) {
    vi.spyOn(document, 'cookie', 'get').mockReturnValue(cookies);
    let sent: string | null = null;
    server.use(
      http.post('/api/deposits', ({ request }) => {
        sent = request.headers.get('x-csrf-token');
        return HttpResponse.json({}, { status: 201 });
      }),
    );
    await apiRequest('/api/deposits', { method: 'POST', body: { amount: 1 } });
    return sent;
  }

  it('when the API set the __Host- CSRF cookie, then its value goes in the header', async () => {
    expect(await headerSentWith('__Host-csrf_token=secure-token')).toBe(
      'secure-token',
    );
  });

  it('when a bare csrf_token sits beside the __Host- one (planted by a sibling subdomain), then the __Host- value wins', async () => {
    expect(
      await headerSentWith(
        'csrf_token=planted; __Host-csrf_token=secure-token',
      ),
    ).toBe('secure-token');
  });

  it('when only the development (plain-http) name is set, then that value is sent', async () => {
    expect(await headerSentWith('csrf_token=dev-token')).toBe('dev-token');
  });
});
