import { loadConfig } from '@flotilla/service-kit';
import { apiConfigProblems, apiConfigSchema } from './config';

function configWith(env: Record<string, string>) {
  return loadConfig(apiConfigSchema, {
    APP_ENV: 'test',
    DATABASE_URL: 'postgresql://ledger:ledger@127.0.0.1:5432/ledger',
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    AUTH_ISSUER: 'http://auth.test/auth',
    BFF_ENABLED: 'false',
    ...env,
  });
}

describe('apiConfigProblems: inbox retention', () => {
  it('when the defaults are used, then the inbox outlives the outbox plus the longest retry delay', () => {
    expect(apiConfigProblems(configWith({}))).toEqual([]);
  });

  it.each([
    ['equal to the outbox retention', '24', '24'],
    ['shorter than the outbox retention', '12', '24'],
  ])('when INBOX_RETENTION_HOURS is %s, then the config is refused naming the key', (_case, inbox, outbox) => {
    expect(apiConfigProblems(configWith({ INBOX_RETENTION_HOURS: inbox, OUTBOX_RETENTION_HOURS: outbox }))).toEqual([
      expect.stringMatching(/^INBOX_RETENTION_HOURS: inbox retention .* must be longer than the outbox retention .* plus the longest retry delay \(300000 ms\)/),
    ]);
  });

  it('when the inbox keeps rows one hour longer than the outbox, then it is accepted', () => {
    expect(apiConfigProblems(configWith({ INBOX_RETENTION_HOURS: '25', OUTBOX_RETENTION_HOURS: '24' }))).toEqual([]);
  });
});

describe('SESSION_IDLE_TIMEOUT_SECONDS', () => {
  it('when unset, then a browser session idles out after 15 minutes (ASVS 5.0 V7.3.1)', () => {
    expect(configWith({}).SESSION_IDLE_TIMEOUT_SECONDS).toBe(900);
  });

  it.each(['30', '86401', 'soon'])('when it is %p, then the config is refused', (value) => {
    expect(() => configWith({ SESSION_IDLE_TIMEOUT_SECONDS: value })).toThrow(/SESSION_IDLE_TIMEOUT_SECONDS/);
  });
});
