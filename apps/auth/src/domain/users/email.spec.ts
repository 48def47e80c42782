import { isPlausibleEmail, normaliseEmail } from './email';

describe('email normalisation', () => {
  it('when an address has case and surrounding spaces, then it is trimmed and lower-cased', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });
  it('when an address is in decomposed Unicode, then it is composed (NFC)', () => {
    expect(normaliseEmail('jose\u0301@example.com')).toBe('jos\u00e9@example.com');
  });
  it('when the shape is wrong, then it is not plausible', () => {
    expect(isPlausibleEmail('no-at-sign.example.com')).toBe(false);
    expect(isPlausibleEmail('a@b')).toBe(false);
    expect(isPlausibleEmail('a b@example.com')).toBe(false);
    expect(isPlausibleEmail('a@example.com')).toBe(true);
  });
});
