import { Type } from 'typebox';
import {
  baseConfigSchema,
  ConfigError,
  loadConfig,
  parseTrustProxy,
  placeholderReason,
  secretString,
  sensitiveString,
} from './config';

const schema = Type.Object({
  ...baseConfigSchema.properties,
  DATABASE_URL: sensitiveString({ pattern: '^postgres(ql)?://' }),
  FEATURE_ENABLED: Type.Boolean({ default: false }),
  OPTIONAL_NOTE: Type.Optional(Type.String()),
  JWT_SECRET: secretString(),
});

const goodSecret = 'k9Qz3vT8wLp2Xr7NbYh4Fs6DmJc1AeGu';
const valid = { DATABASE_URL: 'postgresql://u:p@h/db', JWT_SECRET: goodSecret };

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('when only required keys are set, then defaults fill the rest and APP_ENV defaults to production', () => {
    const config = loadConfig(schema, valid);

    expect(config).toMatchObject({
      HOST: '0.0.0.0',
      PORT: 3000,
      LOG_LEVEL: 'info',
      APP_ENV: 'production',
      SHUTDOWN_TIMEOUT_MS: 10_000,
      BODY_LIMIT: 1_048_576,
      FEATURE_ENABLED: false,
      DATABASE_URL: 'postgresql://u:p@h/db',
    });
    expect(config).not.toHaveProperty('OPTIONAL_NOTE');
  });

  it('when env strings hold numbers and booleans, then they are converted to the schema types', () => {
    const config = loadConfig(schema, {
      ...valid,
      PORT: '8080',
      FEATURE_ENABLED: 'true',
      BODY_LIMIT: '2048',
    });

    expect(config.PORT).toBe(8080);
    expect(config.FEATURE_ENABLED).toBe(true);
    expect(config.BODY_LIMIT).toBe(2048);
  });

  it('when several keys are bad or missing, then the error lists every one of them', () => {
    const error = problemsOf(() =>
      loadConfig(schema, {
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        JWT_SECRET: goodSecret,
        SHUTDOWN_TIMEOUT_MS: '5',
      }),
    );

    expect(error.problems.map((p) => p.key).sort()).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
      'SHUTDOWN_TIMEOUT_MS',
    ]);
    expect(error.message).toContain('PORT:');
    expect(error.message).toContain('"abc"');
    expect(error.message).toContain('DATABASE_URL: is required but not set');
    expect(error.message).toContain(
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    );
  });

  it('when a sensitive value is invalid, then the key is named but the value is not echoed', () => {
    const error = problemsOf(() =>
      loadConfig(schema, {
        ...valid,
        DATABASE_URL: 'mysql://root:hunter2@db/x',
      }),
    );

    expect(error.problems.map((p) => p.key)).toEqual(['DATABASE_URL']);
    expect(error.message).not.toContain('hunter2');
  });

  it('when a port is out of range or not an integer, then it is refused', () => {
    expect(
      problemsOf(() => loadConfig(schema, { ...valid, PORT: '70000' }))
        .problems[0]?.key,
    ).toBe('PORT');
    expect(
      problemsOf(() => loadConfig(schema, { ...valid, PORT: '30.5' }))
        .problems[0]?.key,
    ).toBe('PORT');
  });

  it('when a value is empty, then it counts as unset', () => {
    const error = problemsOf(() =>
      loadConfig(schema, { ...valid, DATABASE_URL: '' }),
    );

    expect(error.problems).toEqual([
      { key: 'DATABASE_URL', problem: 'is required but not set' },
    ]);
    expect(loadConfig(schema, { ...valid, PORT: '' }).PORT).toBe(3000);
  });

  it.each([
    'changeme',
    'my-secret-value-that-is-long-enough-123',
    'short-but-random-Q8',
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ])(
    'when a secret is the placeholder %p outside development, then it is refused without echoing it',
    (secret) => {
      const error = problemsOf(() =>
        loadConfig(schema, {
          ...valid,
          JWT_SECRET: secret,
          APP_ENV: 'staging',
        }),
      );

      expect(error.problems.map((p) => p.key)).toEqual(['JWT_SECRET']);
      expect(error.message).toContain('APP_ENV=staging');
      expect(error.message).not.toContain(secret);
    },
  );

  it('when a placeholder secret is used in development or test, then it is accepted', () => {
    expect(
      loadConfig(schema, {
        ...valid,
        JWT_SECRET: 'changeme',
        APP_ENV: 'development',
      }).JWT_SECRET,
    ).toBe('changeme');
    expect(
      loadConfig(schema, { ...valid, JWT_SECRET: 'changeme', NODE_ENV: 'test' })
        .APP_ENV,
    ).toBe('test');
  });

  it('when APP_ENV is unset and NODE_ENV is development, then NODE_ENV decides', () => {
    expect(
      loadConfig(schema, { ...valid, NODE_ENV: 'development' }).APP_ENV,
    ).toBe('development');
    expect(loadConfig(schema, { ...valid, NODE_ENV: 'whatever' }).APP_ENV).toBe(
      'production',
    );
  });

  it('when K_FILE is set, then the value is read from that file without its trailing newline', () => {
    const files: Record<string, string> = {
      '/run/secrets/jwt': `${goodSecret}\n`,
    };
    const config = loadConfig(
      schema,
      { DATABASE_URL: valid.DATABASE_URL, JWT_SECRET_FILE: '/run/secrets/jwt' },
      { readFile: (path) => files[path] ?? '' },
    );

    expect(config.JWT_SECRET).toBe(goodSecret);
  });

  it('when K_FILE cannot be read or both K and K_FILE are set, then each is reported', () => {
    const error = problemsOf(() =>
      loadConfig(
        schema,
        {
          DATABASE_URL_FILE: '/missing',
          JWT_SECRET: goodSecret,
          JWT_SECRET_FILE: '/run/secrets/jwt',
        },
        {
          readFile: () => {
            throw new Error('ENOENT: no such file');
          },
        },
      ),
    );

    expect(error.problems).toEqual([
      {
        key: 'DATABASE_URL',
        problem: 'cannot read DATABASE_URL_FILE (ENOENT: no such file)',
      },
      {
        key: 'JWT_SECRET',
        problem: 'set either JWT_SECRET or JWT_SECRET_FILE, not both',
      },
    ]);
  });
});

describe('placeholderReason', () => {
  it('when a secret is long and random, then it is accepted', () => {
    expect(placeholderReason(goodSecret)).toBeUndefined();
  });
});

describe('TRUST_PROXY', () => {
  it('when it is a number, then it is a hop count, not an address', () => {
    const one = parseTrustProxy('1') as (address: string, hop: number) => boolean;
    expect([one('172.18.0.5', 0), one('203.0.113.7', 1)]).toEqual([true, false]);
    const two = parseTrustProxy(' 2 ') as (address: string, hop: number) => boolean;
    expect([two('a', 0), two('b', 1), two('c', 2)]).toEqual([true, true, false]);
    expect(parseTrustProxy('0')).toBe(false);
  });

  it('when it is a list, then it is the proxies\' addresses', () => {
    expect(parseTrustProxy('10.0.0.1, 172.18.0.0/16,::1')).toEqual(['10.0.0.1', '172.18.0.0/16', '::1']);
    expect(parseTrustProxy('false')).toBe(false);
  });

  it('when it is "true", then the config is refused: the left-most X-Forwarded-For is the client\'s own', () => {
    expect(() => parseTrustProxy('true')).toThrow(/TRUST_PROXY/);
    const error = problemsOf(() => loadConfig(schema, { ...valid, TRUST_PROXY: 'true' }));
    expect(error.problems.map((p) => p.key)).toEqual(['TRUST_PROXY']);
  });

  it('when it is something else, then the config is refused', () => {
    const error = problemsOf(() => loadConfig(schema, { ...valid, TRUST_PROXY: 'gateway; rm -rf' }));
    expect(error.problems.map((p) => p.key)).toEqual(['TRUST_PROXY']);
    expect(loadConfig(schema, { ...valid, TRUST_PROXY: '1' }).TRUST_PROXY).toBe('1');
  });
});
