import * as oauth from 'oauth4webapi';
import type { KitInstance } from '@flotilla/service-kit';
import { Browser, TEST_CLIENTS } from './helper';

export const ISSUER = 'http://auth.test';

/**
 * oauth4webapi's fetch hook, answered by app.inject(): the client library runs
 * unmodified while the server needs no socket. The origin is the test issuer.
 */
export function injectFetch(app: KitInstance) {
  return async (url: string, options: oauth.CustomFetchOptions<string, unknown>): Promise<Response> => {
    const target = new URL(url);
    const body = options.body;
    const response = await app.inject({
      method: options.method as 'GET' | 'POST',
      url: `${target.pathname}${target.search}`,
      headers: options.headers,
      payload: body instanceof URLSearchParams ? body.toString() : (body as string | undefined),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    }
    const status = response.statusCode;
    return new Response(status === 204 || status === 304 ? null : response.rawPayload, { status, headers });
  };
}

export function requestOptions(app: KitInstance) {
  return { [oauth.customFetch]: injectFetch(app), [oauth.allowInsecureRequests]: true };
}

export async function discover(app: KitInstance): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(ISSUER);
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(app) });
  return oauth.processDiscoveryResponse(issuer, response);
}

export const bffClient: oauth.Client = { client_id: TEST_CLIENTS.bff.id };
export const bffAuth = oauth.ClientSecretBasic(TEST_CLIENTS.bff.secret);
export const serviceClient: oauth.Client = { client_id: TEST_CLIENTS.service.id };
export const serviceAuth = oauth.ClientSecretBasic(TEST_CLIENTS.service.secret);

/** Introspection as the resource server does it (the only client designated for it in tests). */
export async function introspect(app: KitInstance, as: oauth.AuthorizationServer, token: string) {
  return oauth.processIntrospectionResponse(as, serviceClient, await oauth.introspectionRequest(as, serviceClient, serviceAuth, token, requestOptions(app)));
}

/**
 * The authorization code flow as the BFF runs it, with a browser signing in on the
 * login form in between. Returns the callback URL and the PKCE/nonce values.
 */
export async function authorize(
  app: KitInstance,
  as: oauth.AuthorizationServer,
  user: { email: string; password: string },
  options: { scope?: string; browser?: Browser } = {},
) {
  const browser = options.browser ?? new Browser(app);
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint as string);
  url.searchParams.set('client_id', bffClient.client_id);
  url.searchParams.set('redirect_uri', TEST_CLIENTS.bff.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', options.scope ?? 'openid profile email offline_access api');
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);

  let response = await browser.get(`${url.pathname}${url.search}`);
  if (response.statusCode === 303) {
    const loginUrl = String(response.headers.location);
    const submitted = await browser.submit(loginUrl, new URL(loginUrl, ISSUER).pathname, { email: user.email, password: user.password });
    if (submitted.statusCode !== 303) throw new Error(`login failed: ${submitted.statusCode}`);
    response = await browser.get(String(submitted.headers.location));
  }
  if (response.statusCode !== 302) throw new Error(`authorize did not redirect: ${response.statusCode} ${response.body.slice(0, 300)}`);
  const callback = new URL(String(response.headers.location));
  return { callback, codeVerifier, state, nonce, browser };
}

/** Exchanges the callback's code as oauth4webapi does, returning the raw Response too. */
export async function exchange(app: KitInstance, as: oauth.AuthorizationServer, flow: Awaited<ReturnType<typeof authorize>>) {
  const params = oauth.validateAuthResponse(as, bffClient, flow.callback, flow.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    bffClient,
    bffAuth,
    params,
    TEST_CLIENTS.bff.redirectUri,
    flow.codeVerifier,
    requestOptions(app),
  );
  return oauth.processAuthorizationCodeResponse(as, bffClient, response, { expectedNonce: flow.nonce, requireIdToken: true });
}
