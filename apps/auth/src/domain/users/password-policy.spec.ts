import { dictionary } from '@zxcvbn-ts/language-common';
import { buildCommonPasswordSet, COMMON_PASSWORDS } from './common-passwords';
import { createPasswordPolicy, DEFAULT_PASSWORD_POLICY } from './password-policy';

const policy = createPasswordPolicy(DEFAULT_PASSWORD_POLICY);

describe('password policy', () => {
  it('when the list is loaded, then it holds at least 3,000 entries including the classics and long phrases', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThanOrEqual(3000);
    for (const p of ['password', '123456', 'qwerty', 'passwordpassword', 'iloveyouiloveyou', 'correcthorsebatterystaple']) {
      expect(COMMON_PASSWORDS.has(p)).toBe(true);
    }
  });

  it('when the list is built, then it holds every entry of the zxcvbn-ts common passwords and their folded forms', () => {
    const source = dictionary['passwords-common'];
    expect(source.length).toBeGreaterThan(40_000);
    expect(source.every((p) => COMMON_PASSWORDS.has(p.toLowerCase()))).toBe(true);
    expect(buildCommonPasswordSet([' Correct Horse-Battery_Staple ', ''])).toEqual(
      new Set(['correct horse-battery_staple', 'correcthorsebatterystaple']),
    );
  });

  it('when a password from deep in the source list is given at length, then it is refused', () => {
    const deep = dictionary['passwords-common'].filter((p) => [...p].length >= 15).at(-1) ?? '';
    expect(deep).not.toBe('');
    expect(policy.check(deep)[0]?.message).toMatch(/too common/);
  });

  it('when a password is 14 characters, then it is too short', () => {
    expect(policy.check('abcdefghij-klm')[0]?.message).toMatch(/at least 15/);
  });

  it('when a password is 15 unusual characters, then it is accepted', () => {
    expect(policy.check('tulip-ferry-9-oak')).toEqual([]);
  });

  it('when a password is 64 or 128 characters, then it is accepted; at 129 it is refused', () => {
    const word = 'marble-otter-quilt-';
    expect(policy.check(word.repeat(4).slice(0, 64) + 'z')).toEqual([]);
    expect(policy.check((word + 'zebra-cobalt-lamp-').repeat(4).slice(0, 128))).toEqual([]);
    expect(policy.check('x'.repeat(60) + (word + 'zebra-cobalt-lamp-').repeat(4).slice(0, 69))[0]?.message).toMatch(/at most 128/);
  });

  it('when length is counted, then it counts code points, not UTF-16 units', () => {
    // 15 emoji are 30 UTF-16 units but 15 characters.
    expect(policy.check('🦊🐙🦉🐢🦋🐝🦔🐸🦄🐬🦀🐌🦜🐿🦥')).toEqual([]);
    expect(policy.check('🦊🐙🦉🐢🦋🐝🦔🐸🦄🐬🦀🐌🦜🐿')[0]?.message).toMatch(/at least 15/);
  });

  it('when a long password is on the common list, in any case or spacing, then it is refused', () => {
    expect(policy.check('passwordpassword')[0]?.message).toMatch(/too common/);
    expect(policy.check('PasswordPassword')[0]?.message).toMatch(/too common/);
    expect(policy.check('correct horse battery staple')[0]?.message).toMatch(/too common/);
    expect(policy.check('qwertyuiopasdfgh')[0]?.message).toMatch(/too common/);
  });

  it('when a password repeats a short unit or a common word, then it is refused', () => {
    expect(policy.check('abcabcabcabcabcabc')[0]?.message).toMatch(/too common/);
    expect(policy.check('monkeymonkeymonkeymonkey')[0]?.message).toMatch(/too common/);
  });

  it('when the password is the email or name, then it is refused', () => {
    expect(policy.check('alexander.hamilton@example.com', { email: 'alexander.hamilton@example.com' })[0]?.message).toMatch(/email/);
    expect(policy.check('Alexander Hamilton', { displayName: 'alexander hamilton' })[0]?.message).toMatch(/email address or name/);
  });

  it('when configured with a maximum below 64, then construction fails', () => {
    expect(() => createPasswordPolicy({ minLength: 15, maxLength: 32 })).toThrow(RangeError);
  });
});
