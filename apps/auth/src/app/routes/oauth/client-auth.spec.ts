import { OAuthError } from '../../../domain/oauth/oauth-errors';
import { readClientCredentials } from './client-auth';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('readClientCredentials', () => {
  it('when Basic credentials are form-urlencoded, then they are decoded', () => {
    expect(readClientCredentials(basic('my client', 's:e/c'), {})).toEqual({ method: 'client_secret_basic', clientId: 'my client', clientSecret: 's:e/c' });
  });
  it('when the body carries id and secret, then client_secret_post is used', () => {
    expect(readClientCredentials(undefined, { client_id: 'a', client_secret: 'b' })).toEqual({ method: 'client_secret_post', clientId: 'a', clientSecret: 'b' });
  });
  it('when both methods are used, then invalid_request', () => {
    expect(() => readClientCredentials(basic('a', 'b'), { client_id: 'a', client_secret: 'b' })).toThrow(OAuthError);
  });
  it('when nothing is sent, then undefined', () => {
    expect(readClientCredentials(undefined, { client_id: 'a' })).toBeUndefined();
  });
  it('when the scheme is not Basic, then invalid_client', () => {
    expect(() => readClientCredentials('Bearer x', {})).toThrow(expect.objectContaining({ error: 'invalid_client' }));
  });
});
