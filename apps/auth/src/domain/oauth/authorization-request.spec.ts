import { validateAuthorizationRequest } from './authorization-request';
import type { Client } from './model';

const client: Client = {
  id: 'bff',
  name: 'BFF',
  secretHash: 'x',
  redirectUris: ['https://app.example/callback'],
  postLogoutRedirectUris: [],
  grantTypes: ['authorization_code', 'refresh_token'],
  scopes: ['openid', 'email', 'api'],
};
const find = async (id: string) => (id === client.id ? client : undefined);
const good = {
  response_type: 'code',
  client_id: 'bff',
  redirect_uri: 'https://app.example/callback',
  scope: 'openid api',
  state: 's1',
  nonce: 'n1',
  code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  code_challenge_method: 'S256',
};

describe('validateAuthorizationRequest', () => {
  it('when every parameter is right, then the request is valid and carries state and nonce', async () => {
    const r = await validateAuthorizationRequest(good, find);
    expect(r).toMatchObject({ kind: 'valid', request: { state: 's1', nonce: 'n1', scopes: ['openid', 'api'] } });
  });
  it('when the client is unknown, then an error is shown and nothing redirects', async () => {
    expect((await validateAuthorizationRequest({ ...good, client_id: 'nope' }, find)).kind).toBe('show-error');
  });
  it('when the redirect_uri differs even by a trailing slash, then an error is shown and nothing redirects', async () => {
    expect((await validateAuthorizationRequest({ ...good, redirect_uri: 'https://app.example/callback/' }, find)).kind).toBe('show-error');
  });
  it('when the code_challenge is missing, then invalid_request is redirected with the state', async () => {
    expect(await validateAuthorizationRequest({ ...good, code_challenge: undefined }, find)).toMatchObject({ kind: 'redirect-error', error: 'invalid_request', state: 's1' });
  });
  it('when the method is plain, then invalid_request is redirected', async () => {
    const r = await validateAuthorizationRequest({ ...good, code_challenge_method: 'plain' }, find);
    expect(r).toMatchObject({ kind: 'redirect-error', error: 'invalid_request' });
  });
  it('when response_type is token, then unsupported_response_type', async () => {
    expect(await validateAuthorizationRequest({ ...good, response_type: 'token' }, find)).toMatchObject({ error: 'unsupported_response_type' });
  });
  it('when a scope is not allowed for the client, then invalid_scope', async () => {
    expect(await validateAuthorizationRequest({ ...good, scope: 'openid admin' }, find)).toMatchObject({ error: 'invalid_scope' });
  });
  it('when a parameter is repeated, then invalid_request', async () => {
    expect(await validateAuthorizationRequest({ ...good, scope: ['openid', 'api'] }, find)).toMatchObject({ error: 'invalid_request' });
  });
});
