import { hostCookie } from './cookies';

describe('hostCookie', () => {
  it('when cookies are secure, then the name carries __Host- and the scope is Path=/', () => {
    expect(hostCookie('session', true)).toEqual({
      name: '__Host-session',
      path: '/',
      secure: true,
    });
  });
  it('when cookies are not secure (plain-http development), then the bare name, which browsers accept without Secure', () => {
    expect(hostCookie('session', false)).toEqual({
      name: 'session',
      path: '/',
      secure: false,
    });
  });
});
