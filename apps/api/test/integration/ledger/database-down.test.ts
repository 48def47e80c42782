import type { KitInstance } from '@flotilla/service-kit';
import { buildTestApp } from '../../helper';
import { createTestTokenIssuer, type TestTokenIssuer } from '../../support/tokens';

const USER = '6f1f8c9e-3b7a-4c55-9d0e-2a4b6c8d0e1f';

/**
 * PostgreSQL down (nothing listens: ECONNREFUSED) or its name not resolving
 * (ENOTFOUND, as in the stack while the container restarts): every path that
 * touches the database answers 503 with Retry-After, including the BFF's
 * session check in the authentication hook, which no route's mapping covers.
 */
describe.each([
  ['refuses connections', 'postgresql://ledger:ledger@127.0.0.1:1/ledger'],
  ['cannot be resolved', 'postgresql://ledger:ledger@postgres.invalid:5432/ledger'],
])('when PostgreSQL %s', (_name, databaseUrl) => {
  let app: KitInstance;
  let tokens: TestTokenIssuer;

  beforeAll(async () => {
    tokens = await createTestTokenIssuer();
    app = await buildTestApp(
      { DATABASE_URL: databaseUrl, BFF_ENABLED: 'true', OAUTH_CLIENT_SECRET: 'bff-test-secret-bff-test-secret-0123456789' },
      { accessTokenVerifier: tokens.verifier },
    );
  });
  afterAll(() => app.close());

  it('when a browser sends its session cookie, then the session check answers 503 with Retry-After, not 500', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/account', cookies: { '__Host-flotilla_session': 'a'.repeat(43) } });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it.each([
    ['GET', '/api/account'],
    ['GET', '/api/history'],
    ['GET', '/api/activity?after=1'],
  ])('when a Bearer client calls %s %s, then 503 with Retry-After', async (method, url) => {
    const token = await tokens.sign({ sub: USER, scope: 'ledger:read ledger:write', email: 'down@example.test' });

    const response = await app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` } });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
  });
});
