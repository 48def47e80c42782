import { redactUrl } from './connection';

describe('redactUrl', () => {
  it('when the URL has a password, then the log never shows it', () => {
    expect(redactUrl('amqp://ledger:s3cret@rabbit:5672/flotilla')).toBe('amqp://ledger:***@rabbit:5672/flotilla');
  });

  it('when the URL cannot be parsed, then nothing of it is echoed', () => {
    expect(redactUrl('amqp://user:pa ss@')).toBe('<unparseable AMQP URL>');
  });
});
