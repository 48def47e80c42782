import { extractBearerToken, parseScope } from './scopes';

describe('extractBearerToken', () => {
  it('when the header is a Bearer credential, then the token is returned', () => {
    expect(extractBearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
  });
  it('when the header is missing or another scheme, then undefined', () => {
    expect(extractBearerToken(undefined)).toBeUndefined();
    expect(extractBearerToken('Basic Zm9vOmJhcg==')).toBeUndefined();
    expect(extractBearerToken('Bearer a b')).toBeUndefined();
  });
});

describe('parseScope', () => {
  it('when scopes are separated by several spaces, then empty entries are dropped', () => {
    expect(parseScope('a  b')).toEqual(['a', 'b']);
    expect(parseScope(undefined)).toEqual([]);
  });
});
