import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@flotilla/logging';
import { loadConfig, type KitInstance } from '@flotilla/service-kit';
import { buildApp, type BuildAppOverrides } from '../src/app/app';
// The decorators the app adds (prisma, services …), for the tests' types.
import type {} from '../src/app/plugins/app/housekeeping';
import type {} from '../src/app/plugins/app/services';
import type {} from '../src/app/plugins/external/mailer';
import type {} from '../src/app/plugins/external/prisma';
import type {} from '../src/app/plugins/external/signing';
import { authConfigSchema, type AuthConfig } from '../src/config';
import { createPasswordHasher } from '../src/domain/users/password-hasher';
import { seedClients } from '../src/seed/seed-clients';

/** The clients every integration test can use (seeded by `seedTestClients`). */
export const TEST_CLIENTS = {
  bff: {
    id: 'test-bff',
    secret: 'test-bff-secret-0123456789abcdef',
    redirectUri: 'https://app.test/api/auth/callback',
    postLogoutRedirectUri: 'https://app.test/signed-out',
    scopes: ['openid', 'profile', 'email', 'offline_access', 'api'],
  },
  service: { id: 'test-service', secret: 'test-service-secret-0123456789abcd', scopes: ['api'] },
  /** A second confidential client with the refresh grant, to prove tokens are bound to their client. */
  other: { id: 'test-other', secret: 'test-other-secret-0123456789abcdef', redirectUri: 'https://other.test/callback' },
} as const;

/**
 * The test config, read through the production schema from the same variables
 * tools/test-env.sh exports (with its defaults). TEST_LOG_LEVEL=debug shows the logs.
 */
export function testConfig(env: Record<string, string | undefined> = {}): AuthConfig {
  return loadConfig(authConfigSchema, {
    APP_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    DATABASE_URL: process.env['AUTH_DATABASE_URL'] ?? 'postgresql://auth:auth@127.0.0.1:5432/auth',
    AMQP_URL: process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
    ISSUER: 'http://auth.test',
    COOKIE_SECRET: 'test-cookie-secret-0123456789abcdef',
    COOKIE_SECURE: 'false',
    SIGNING_KEYS_DEV_PATH: join(tmpdir(), 'flotilla-auth-test', 'signing-keys.json'),
    // Every test signs in from its own random address; this limit is exercised on its own.
    LOGIN_MAX_FAILURES_PER_IP: '100000',
    REGISTER_MAX_PER_IP_PER_HOUR: '100000',
    // The service client stands for a resource server; the BFF may not introspect.
    INTROSPECTION_CLIENT_IDS: 'test-service',
    ...env,
  });
}

/** Builds the real app (production wiring) against the test services; close it in afterAll/afterEach. */
export async function buildTestApp(
  env: Record<string, string | undefined> = {},
  overrides: BuildAppOverrides = {},
): Promise<KitInstance> {
  const config = testConfig(env);
  return buildApp(config, {
    logger: createLogger({ service: 'auth', level: config.LOG_LEVEL }),
    ...overrides,
  });
}

/** Registers the test clients (and only them) in the database. */
export async function seedTestClients(app: KitInstance): Promise<void> {
  await seedClients(app.prisma, createPasswordHasher(), [
    {
      id: TEST_CLIENTS.bff.id,
      name: 'Test BFF',
      secret: TEST_CLIENTS.bff.secret,
      redirectUris: [TEST_CLIENTS.bff.redirectUri],
      postLogoutRedirectUris: [TEST_CLIENTS.bff.postLogoutRedirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: [...TEST_CLIENTS.bff.scopes],
    },
    {
      id: TEST_CLIENTS.service.id,
      name: 'Test service',
      secret: TEST_CLIENTS.service.secret,
      redirectUris: [],
      grantTypes: ['client_credentials'],
      scopes: [...TEST_CLIENTS.service.scopes],
    },
    {
      id: TEST_CLIENTS.other.id,
      name: 'Another app',
      secret: TEST_CLIENTS.other.secret,
      redirectUris: [TEST_CLIENTS.other.redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'offline_access', 'api'],
    },
  ], { removeOthers: false });
}

let counter = 0;
/** A unique email for this run, so tests never collide with earlier rows. */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}.${Date.now().toString(36)}.${process.pid}.${counter}@example.test`;
}

/** A random documentation-range IPv4 address (RFC 5737), so throttling by IP never spills between tests. */
export function randomIp(): string {
  const octet = () => Math.floor(Math.random() * 254) + 1;
  return `198.51.${octet()}.${octet()}`;
}

export const GOOD_PASSWORD = 'violet kettle harbour 42 drums';

/**
 * A minimal browser for inject(): keeps cookies between requests (by name; the
 * tests run on one host) and follows nothing on its own.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly ip = randomIp();

  constructor(private readonly app: KitInstance) {}

  async request(options: { method: 'GET' | 'POST'; url: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> }) {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let payload: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(options.json);
    }
    const response = await this.app.inject({ method: options.method, url: options.url, headers, payload, remoteAddress: this.ip });
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = cookie.maxAge === 0 || (cookie.expires && cookie.expires.getTime() <= Date.now()) || cookie.value === '';
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  get(url: string) {
    return this.request({ method: 'GET', url });
  }

  /** POSTs JSON the way the page's script does: with the page's CSRF token in x-csrf-token. */
  postJson(url: string, csrfToken: string, json: unknown = {}) {
    return this.request({ method: 'POST', url, json, headers: { 'x-csrf-token': csrfToken } });
  }

  /** The CSRF token a page hands its script (data-csrf) or its form (_csrf). */
  async csrfOf(pageUrl: string): Promise<string> {
    const page = await this.get(pageUrl);
    const token = /data-csrf="([^"]+)"/.exec(page.body)?.[1] ?? /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!token) throw new Error(`no CSRF token on ${pageUrl} (status ${page.statusCode})`);
    return token;
  }

  /** GETs a page with a form and posts it back with its CSRF token. */
  async submit(pageUrl: string, action: string, fields: Record<string, string>) {
    const page = await this.get(pageUrl);
    // Every hidden input of the page's form goes back, as a browser would send it.
    const hidden: Record<string, string> = {};
    for (const match of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
      hidden[match[1]] = match[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    }
    if (!hidden._csrf) throw new Error(`no CSRF token on ${pageUrl} (status ${page.statusCode})`);
    return this.request({ method: 'POST', url: action, form: { ...hidden, ...fields } });
  }
}

/** Registers a user through the JSON endpoint; returns its email and id. */
export async function registerUser(app: KitInstance, password = GOOD_PASSWORD, label = 'user') {
  const email = uniqueEmail(label);
  const response = await app.inject({
    method: 'POST',
    url: '/register',
    payload: { email, displayName: `Test ${label}`, password },
  });
  if (response.statusCode !== 201) throw new Error(`registration failed: ${response.statusCode} ${response.body}`);
  return { email, id: (response.json() as { id: string }).id, password };
}
