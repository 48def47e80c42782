import { verifyS256 } from './pkce';

describe('PKCE S256', () => {
  // RFC 7636 Appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('when the verifier hashes to the challenge (RFC 7636 Appendix B), then it verifies', () => {
    expect(verifyS256(verifier, challenge)).toBe(true);
  });
  it('when the verifier differs, then it fails', () => {
    expect(verifyS256(verifier.replace('d', 'e'), challenge)).toBe(false);
  });
  it('when the verifier is sent as the challenge itself (plain), then it fails', () => {
    expect(verifyS256(challenge, challenge)).toBe(false);
  });
  it('when the verifier is too short or has illegal characters, then it fails', () => {
    expect(verifyS256('short', challenge)).toBe(false);
    expect(verifyS256(`${verifier}!`, challenge)).toBe(false);
  });
});
