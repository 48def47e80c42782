import { loadConfig } from '@flotilla/service-kit';
import { authConfigSchema, configProblems, webauthnRelyingParty } from './config';

const base = {
  DATABASE_URL: 'postgresql://auth:auth@localhost:5432/auth',
  AMQP_URL: 'amqp://guest:guest@localhost:5672',
  COOKIE_SECRET: 'a-cookie-secret-with-32-plus-chars-xyz',
  APP_ENV: 'test',
};

describe('auth config', () => {
  it('when only the required keys are set, then the defaults follow the issue (15/128, 10 per 15 min, ≤ 15 min tokens, ≤ 60 s codes)', () => {
    const config = loadConfig(authConfigSchema, base);
    expect(config).toMatchObject({
      PORT: 3001,
      PASSWORD_MIN_LENGTH: 15,
      PASSWORD_MAX_LENGTH: 128,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: 10,
      LOGIN_THROTTLE_WINDOW_SECONDS: 900,
      ACCESS_TOKEN_TTL_SECONDS: 600,
      AUTHORIZATION_CODE_TTL_SECONDS: 60,
      ROUTE_PREFIX: '',
    });
    expect(configProblems(config)).toEqual([]);
  });

  it('when the access token lifetime exceeds 15 minutes or codes 60 s, then loading fails', () => {
    expect(() => loadConfig(authConfigSchema, { ...base, ACCESS_TOKEN_TTL_SECONDS: '901' })).toThrow(/ACCESS_TOKEN_TTL_SECONDS/);
    expect(() => loadConfig(authConfigSchema, { ...base, AUTHORIZATION_CODE_TTL_SECONDS: '61' })).toThrow(/AUTHORIZATION_CODE_TTL_SECONDS/);
  });

  it('when the prefix is not the end of the issuer path, then it is reported', () => {
    const config = loadConfig(authConfigSchema, { ...base, ISSUER: 'http://localhost:8080/auth', ROUTE_PREFIX: '/oauth' });
    expect(configProblems(config).map((p) => p.key)).toContain('ROUTE_PREFIX');
  });

  it('when COOKIE_SECURE=false outside development and test, then it is reported', () => {
    const config = loadConfig(authConfigSchema, { ...base, APP_ENV: 'production', COOKIE_SECRET: 'k9Qz3vT8wLp2Xr7NbYh4Fs6DmJc1AeGu', COOKIE_SECURE: 'false', SIGNING_KEYS: '{}' });
    expect(configProblems(config).map((p) => p.key)).toContain('COOKIE_SECURE');
    expect(configProblems({ ...config, APP_ENV: 'development' }).map((p) => p.key)).not.toContain('COOKIE_SECURE');
  });

  it('when housekeeping would delete codes while their access tokens live, then it is reported', () => {
    const config = loadConfig(authConfigSchema, { ...base, HOUSEKEEPING_RETENTION_SECONDS: '900', ACCESS_TOKEN_TTL_SECONDS: '900' });
    expect(configProblems(config)).toContainEqual({ key: 'HOUSEKEEPING_RETENTION_SECONDS', problem: expect.stringMatching(/ACCESS_TOKEN_TTL_SECONDS/) });
  });

  it('when production has no signing keys, then it is reported', () => {
    const config = loadConfig(authConfigSchema, { ...base, APP_ENV: 'production', COOKIE_SECRET: 'Zq8#kP2!vL9@xR4$mN7%tW1^bY6&cJ3*' });
    expect(configProblems(config).map((p) => p.key)).toContain('SIGNING_KEYS');
  });

  it('when staging or production has no SMTP settings, then each missing one is reported; with them, none', () => {
    const strong = { ...base, COOKIE_SECRET: 'Zq8#kP2!vL9@xR4$mN7%tW1^bY6&cJ3*', SIGNING_KEYS: '{"keys":[]}' };
    for (const APP_ENV of ['staging', 'production']) {
      const keys = configProblems(loadConfig(authConfigSchema, { ...strong, APP_ENV })).map((p) => p.key);
      expect(keys).toEqual(expect.arrayContaining(['SMTP_HOST', 'SMTP_PORT', 'SMTP_FROM']));
    }
    const configured = loadConfig(authConfigSchema, {
      ...strong,
      APP_ENV: 'production',
      SMTP_HOST: 'smtp.example.net',
      SMTP_PORT: '587',
      SMTP_FROM: 'Flotilla <no-reply@flotilla.example>',
    });
    expect(configProblems(configured).map((p) => p.key)).not.toEqual(expect.arrayContaining(['SMTP_HOST']));
    expect(configProblems(configured).filter((p) => p.key.startsWith('SMTP_'))).toEqual([]);
  });

  it('when development has no SMTP settings, then none is required; a reset link may not outlive 30 minutes', () => {
    expect(configProblems(loadConfig(authConfigSchema, base)).filter((p) => p.key.startsWith('SMTP_'))).toEqual([]);
    expect(() => loadConfig(authConfigSchema, { ...base, PASSWORD_RESET_TTL_SECONDS: '1801' })).toThrow(/PASSWORD_RESET_TTL_SECONDS/);
  });

  it('when an SMTP user comes without a password, then it is reported', () => {
    expect(configProblems(loadConfig(authConfigSchema, { ...base, SMTP_USER: 'mailer' })).map((p) => p.key)).toContain('SMTP_USER');
  });

  it('when no WebAuthn settings are given, then the relying party is the ISSUER origin and its host', () => {
    const config = loadConfig(authConfigSchema, { ...base, ISSUER: 'https://id.bank.example/auth' });
    expect(webauthnRelyingParty(config)).toEqual({ id: 'id.bank.example', name: 'Flotilla', origin: 'https://id.bank.example' });
    expect(configProblems(config).filter((p) => p.key.startsWith('WEBAUTHN_'))).toEqual([]);
  });

  it('when the RP ID is a parent domain of the origin host, then it is accepted; another domain, a TLD or an IP address is reported', () => {
    const problems = (env: Record<string, string>) =>
      configProblems(loadConfig(authConfigSchema, { ...base, ISSUER: 'https://id.bank.example/auth', ...env }))
        .filter((p) => p.key.startsWith('WEBAUTHN_'))
        .map((p) => p.key);
    expect(problems({ WEBAUTHN_RP_ID: 'bank.example' })).toEqual([]);
    expect(problems({ WEBAUTHN_RP_ID: 'evil.example' })).toEqual(['WEBAUTHN_RP_ID']);
    expect(problems({ WEBAUTHN_RP_ID: 'ank.example' })).toEqual(['WEBAUTHN_RP_ID']);
    expect(problems({ WEBAUTHN_RP_ID: 'example' })).toEqual(['WEBAUTHN_RP_ID']);
    expect(problems({ WEBAUTHN_ORIGIN: 'https://10.0.0.1', WEBAUTHN_RP_ID: '10.0.0.1' })).toContain('WEBAUTHN_ORIGIN');
    expect(() => loadConfig(authConfigSchema, { ...base, WEBAUTHN_RP_ID: 'Bank.Example/' })).toThrow(/WEBAUTHN_RP_ID/);
  });

  it('when production uses plain http off localhost, then the WebAuthn origin is reported; http://localhost is a secure context and passes', () => {
    const prod = { ...base, APP_ENV: 'production', COOKIE_SECRET: 'k9Qz3vT8wLp2Xr7NbYh4Fs6DmJc1AeGu', SIGNING_KEYS: '{}' };
    const keys = (issuer: string) => configProblems(loadConfig(authConfigSchema, { ...prod, ISSUER: issuer })).map((p) => p.key);
    expect(keys('http://bank.example/auth')).toContain('WEBAUTHN_ORIGIN');
    expect(keys('http://localhost:8080/auth')).not.toContain('WEBAUTHN_ORIGIN');
  });
});
