import { createEndSessionEndpoint, endSessionUrl } from './end-session';

const ISSUER = 'https://auth.example';

function discoveryFetch(answers: (() => Response)[]) {
  const calls: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    calls.push(String(input));
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const discovery = (document: Record<string, unknown>) => () => Response.json(document);

describe('endSessionUrl', () => {
  it('when built, then it carries the RP-Initiated Logout parameters on top of the endpoint', () => {
    const url = new URL(
      endSessionUrl('https://auth.example/logout?ui=1', {
        idToken: 'eyJ.id.token',
        clientId: 'flotilla-bff',
        postLogoutRedirectUri: 'https://app.example/',
        state: 'st-1',
      }),
    );

    expect(`${url.origin}${url.pathname}`).toBe('https://auth.example/logout');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      ui: '1',
      id_token_hint: 'eyJ.id.token',
      post_logout_redirect_uri: 'https://app.example/',
      client_id: 'flotilla-bff',
      state: 'st-1',
    });
  });

  it('when there is no ID token, then the hint is left out and client_id names the client', () => {
    const url = new URL(endSessionUrl('https://auth.example/logout', { clientId: 'c', postLogoutRedirectUri: 'https://app.example/', state: 's' }));

    expect(url.searchParams.has('id_token_hint')).toBe(false);
    expect(url.searchParams.get('client_id')).toBe('c');
  });
});

describe('createEndSessionEndpoint', () => {
  it('when discovery answers, then its end_session_endpoint is used and kept', async () => {
    const { fetch, calls } = discoveryFetch([discovery({ issuer: ISSUER, end_session_endpoint: `${ISSUER}/logout` })]);
    const endpoint = createEndSessionEndpoint({ discoveryUrl: 'http://auth:4000/.well-known/openid-configuration', issuer: ISSUER, fetch });

    expect(await endpoint()).toBe(`${ISSUER}/logout`);
    expect(await endpoint()).toBe(`${ISSUER}/logout`);
    expect(calls).toEqual(['http://auth:4000/.well-known/openid-configuration']);
  });

  it.each([
    ['another issuer', discovery({ issuer: 'https://evil.example', end_session_endpoint: 'https://evil.example/logout' })],
    ['no end_session_endpoint', discovery({ issuer: ISSUER })],
    ['a javascript: endpoint', discovery({ issuer: ISSUER, end_session_endpoint: 'javascript:alert(1)' })],
    ['a 503', () => new Response('down', { status: 503 })],
  ])('when discovery gives %s, then there is no endpoint and the next call asks again', async (_case, answer) => {
    const errors: unknown[] = [];
    const { fetch, calls } = discoveryFetch([answer, discovery({ issuer: ISSUER, end_session_endpoint: `${ISSUER}/logout` })]);
    const endpoint = createEndSessionEndpoint({ discoveryUrl: 'http://auth/d', issuer: ISSUER, fetch, onError: (e) => errors.push(e) });

    expect(await endpoint()).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(await endpoint()).toBe(`${ISSUER}/logout`);
    expect(calls).toHaveLength(2);
  });
});
