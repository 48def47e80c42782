import type { KitInstance } from '@flotilla/service-kit';
import { buildTestApp, GOOD_PASSWORD, uniqueEmail } from '../helper';

describe('when PostgreSQL is unreachable', () => {
  let app: KitInstance;

  beforeAll(async () => {
    // Nothing listens on port 1: every connection attempt is refused.
    app = await buildTestApp({ DATABASE_URL: 'postgresql://auth:auth@127.0.0.1:1/auth' });
  });
  afterAll(() => app.close());

  it('when someone registers, then 503 with Retry-After, not 500', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/register',
      payload: { email: uniqueEmail('down'), displayName: 'Down', password: GOOD_PASSWORD },
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it('when a client asks for a token, then 503', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      payload: 'grant_type=client_credentials',
    });
    expect(response.statusCode).toBe(503);
  });

  it('when the JWKS is fetched, then it is still served (no database needed)', async () => {
    expect((await app.inject({ method: 'GET', url: '/jwks' })).statusCode).toBe(200);
  });
});
