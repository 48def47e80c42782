import type { KitInstance } from '@flotilla/service-kit';
import { Browser, buildTestApp, GOOD_PASSWORD, registerUser, seedTestClients, TEST_CLIENTS, uniqueEmail } from '../helper';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** The way back into /authorize after the sign-in or sign-up form (issue 12, items 11 and "sign-up that returns"). */
describe('authorize: the return path through sign-in and sign-up (real PostgreSQL)', () => {
  let app: KitInstance;

  beforeAll(async () => {
    app = await buildTestApp();
    await seedTestClients(app);
  });
  afterAll(() => app.close());

  const query = (extra: Record<string, string> = {}) =>
    new URLSearchParams({
      client_id: TEST_CLIENTS.bff.id,
      redirect_uri: TEST_CLIENTS.bff.redirectUri,
      response_type: 'code',
      scope: 'openid api',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      ...extra,
    }).toString();

  const returnToOf = (location: unknown) => new URL(String(location), 'http://auth.test').searchParams.get('return_to') ?? '';

  it('when a value holds a literal "?", then the return path keeps it and every parameter after it', async () => {
    // RFC 3986 §3.4 allows "?" inside a query; split('?', 2) used to cut the request there.
    const response = await new Browser(app).get(`/authorize?state=before?after&${query()}`);

    expect(response.statusCode).toBe(303);
    const back = new URL(returnToOf(response.headers.location), 'http://auth.test');
    expect(back.pathname).toBe('/authorize');
    expect(back.searchParams.get('state')).toBe('before?after');
    expect(back.searchParams.get('code_challenge')).toBe(CHALLENGE);
    expect(back.searchParams.get('client_id')).toBe(TEST_CLIENTS.bff.id);
  });

  it('when prompt=create arrives, then the sign-up form opens with the return path (without prompt), even for a signed-in browser', async () => {
    const signedIn = new Browser(app);
    const user = await registerUser(app, undefined, 'create');
    await signedIn.submit('/login', '/login', { email: user.email, password: user.password });

    for (const browser of [new Browser(app), signedIn]) {
      const response = await browser.get(`/authorize?${query({ prompt: 'create', state: 's1' })}`);
      expect(response.statusCode).toBe(303);
      const location = new URL(String(response.headers.location), 'http://auth.test');
      expect(location.pathname).toBe('/register');
      const back = new URL(returnToOf(response.headers.location), 'http://auth.test');
      expect(back.pathname).toBe('/authorize');
      expect(back.searchParams.has('prompt')).toBe(false);
      expect(back.searchParams.get('state')).toBe('s1');
    }
    const discovery = (await app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
    expect(discovery.prompt_values_supported).toEqual(expect.arrayContaining(['none', 'login', 'create']));
  });

  it('when sign-up is refused once and then succeeds, then the return path survives the error and the browser goes on to the client with a code', async () => {
    const browser = new Browser(app);
    const start = await browser.get(`/authorize?${query({ prompt: 'create', state: 'signup-1' })}`);
    const registerUrl = String(start.headers.location);
    const email = uniqueEmail('signup');

    const refused = await browser.submit(registerUrl, '/register', { email, displayName: 'New person', password: 'too short' });
    expect(refused.statusCode).toBe(400);
    const hidden = /<input type="hidden" name="return_to" value="([^"]*)"/.exec(refused.body);
    expect(hidden?.[1].replace(/&amp;/g, '&')).toBe(returnToOf(registerUrl));
    // The "Sign in" link on the refused form keeps it too.
    expect(refused.body).toContain(`/login?return_to=${encodeURIComponent(returnToOf(registerUrl))}`);

    const accepted = await browser.request({
      method: 'POST',
      url: '/register',
      form: {
        _csrf: /name="_csrf" value="([^"]+)"/.exec(refused.body)?.[1] ?? '',
        return_to: returnToOf(registerUrl),
        email,
        displayName: 'New person',
        password: GOOD_PASSWORD,
      },
    });
    expect(accepted.statusCode).toBe(303);
    expect(String(accepted.headers.location)).toBe(returnToOf(registerUrl));

    const authorized = await browser.get(String(accepted.headers.location));
    expect(authorized.statusCode).toBe(302);
    const callback = new URL(String(authorized.headers.location));
    expect(`${callback.origin}${callback.pathname}`).toBe(TEST_CLIENTS.bff.redirectUri);
    expect(callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(callback.searchParams.get('state')).toBe('signup-1');
  });
});
