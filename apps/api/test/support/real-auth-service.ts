import { createServer } from 'node:net';
import { join } from 'node:path';
import type { KitInstance } from '@flotilla/service-kit';

/**
 * The auth service's own test wiring (apps/auth/test/helper.ts), loaded at run
 * time: the BFF round trip runs against the real provider built in-process,
 * while the api project's type graph and module boundaries stay free of apps/auth.
 */
interface AuthTestHelper {
  buildTestApp(env?: Record<string, string | undefined>): Promise<KitInstance>;
  registerUser(app: KitInstance, password?: string, label?: string): Promise<{ email: string; id: string; password: string }>;
  Browser: new (app: KitInstance) => AuthBrowser;
}

export interface AuthBrowser {
  readonly cookies: Map<string, string>;
  get(url: string): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }>;
  submit(pageUrl: string, action: string, fields: Record<string, string>): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }>;
}

interface SeedModule {
  seedClients(
    prisma: unknown,
    hasher: unknown,
    registrations: {
      id: string;
      name: string;
      secret: string;
      redirectUris: string[];
      postLogoutRedirectUris?: string[];
      grantTypes: string[];
      scopes: string[];
    }[],
    options?: { removeOthers?: boolean },
  ): Promise<void>;
}

const AUTH_ROOT = join(__dirname, '..', '..', '..', 'auth');

function load<T>(relative: string): T {
  return require(join(AUTH_ROOT, relative)) as T;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RealAuthService {
  app: KitInstance;
  issuer: string;
  helper: AuthTestHelper;
  close(): Promise<void>;
}

/** Starts apps/auth on a real port (the API reaches its token endpoint and JWKS over HTTP) with a BFF client for `redirectUri`. */
export async function startRealAuthService(client: {
  id: string;
  secret: string;
  redirectUri: string;
  postLogoutRedirectUri?: string;
  scopes: string[];
}): Promise<RealAuthService> {
  const helper = load<AuthTestHelper>('test/helper');
  const { seedClients } = load<SeedModule>('src/seed/seed-clients');
  const { createPasswordHasher } = load<{ createPasswordHasher(): unknown }>('src/domain/users/password-hasher');
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  // The issuer is an IP address, which passkeys refuse (auth config): they get a localhost origin of their own.
  const app = await helper.buildTestApp({ ISSUER: issuer, ACCESS_TOKEN_AUDIENCE: 'flotilla-api', WEBAUTHN_ORIGIN: 'http://localhost' });
  await seedClients((app as unknown as { prisma: unknown }).prisma, createPasswordHasher(), [
    {
      id: client.id,
      name: 'API BFF (test)',
      secret: client.secret,
      redirectUris: [client.redirectUri],
      postLogoutRedirectUris: client.postLogoutRedirectUri ? [client.postLogoutRedirectUri] : [],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: client.scopes,
    },
  ], { removeOthers: false });
  await app.listen({ host: '127.0.0.1', port });
  return { app, issuer, helper, close: () => app.close() };
}
