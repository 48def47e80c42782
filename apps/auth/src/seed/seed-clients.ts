import { Type, type Static } from 'typebox';
import { baseConfigSchema, secretString, sensitiveString } from '@flotilla/service-kit';
import { isValidScopeToken, parseScopeParam, type GrantType } from '../domain/oauth/model';
import { createClientSecretHasher, type SecretOrigin } from '../domain/oauth/client-secret';
import type { PasswordHasher } from '../domain/users/password-hasher';
import type { PrismaClient } from '../generated/prisma/client';

/** The seed step's environment: the clients registered from configuration. */
export const seedConfigSchema = Type.Object({
  APP_ENV: baseConfigSchema.properties.APP_ENV,
  DATABASE_URL: sensitiveString({ pattern: '^postgres(ql)?://' }),
  BFF_CLIENT_ID: Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$', default: 'flotilla-bff' }),
  BFF_CLIENT_SECRET: secretString({ description: "The API's backend-for-frontend client secret" }),
  BFF_REDIRECT_URIS: Type.String({ minLength: 1, default: 'http://localhost:8080/api/auth/callback', description: 'Comma-separated, exact' }),
  BFF_POST_LOGOUT_REDIRECT_URIS: Type.String({ default: 'http://localhost:8080/', description: 'Comma-separated, exact; may be empty' }),
  BFF_SCOPES: Type.String({ minLength: 1, default: 'openid profile email offline_access ledger:read ledger:write' }),
  SERVICE_CLIENT_ID: Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$', default: 'flotilla-service' }),
  SERVICE_CLIENT_SECRET: secretString({ description: 'The client_credentials service client secret' }),
  SERVICE_CLIENT_SCOPES: Type.String({ minLength: 1, default: 'ledger:read' }),
});
export type SeedConfig = Static<typeof seedConfigSchema>;

export interface ClientRegistration {
  readonly id: string;
  readonly name: string;
  readonly secret: string;
  /** Configured secrets are generated (tools/gen-secrets.sh): SHA-256. A person's choice: argon2id. */
  readonly secretOrigin?: SecretOrigin;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  readonly grantTypes: readonly GrantType[];
  readonly scopes: readonly string[];
}

export function clientRegistrations(config: SeedConfig): ClientRegistration[] {
  const uris = (value: string, key: string) => {
    const list = value.split(',').map((u) => u.trim()).filter(Boolean);
    for (const uri of list) {
      const url = new URL(uri);
      // RFC 9700 §4.1.3 / OAuth 2.1 §2.3.1: absolute, no fragment, exact match.
      if (url.hash || !/^https?:$/.test(url.protocol)) throw new Error(`${key}: ${uri} must be an http(s) URL without a fragment`);
    }
    return list;
  };
  const redirectUris = uris(config.BFF_REDIRECT_URIS, 'BFF_REDIRECT_URIS');
  if (redirectUris.length === 0) throw new Error('BFF_REDIRECT_URIS: at least one redirect URI is required');
  const scopes = (value: string, key: string) => {
    const list = parseScopeParam(value);
    if (list.length === 0 || list.some((s) => !isValidScopeToken(s))) throw new Error(`${key}: not a valid scope list`);
    return list;
  };
  return [
    {
      id: config.BFF_CLIENT_ID,
      name: 'Flotilla API (backend for frontend)',
      secret: config.BFF_CLIENT_SECRET,
      redirectUris,
      postLogoutRedirectUris: uris(config.BFF_POST_LOGOUT_REDIRECT_URIS, 'BFF_POST_LOGOUT_REDIRECT_URIS'),
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: scopes(config.BFF_SCOPES, 'BFF_SCOPES'),
    },
    {
      id: config.SERVICE_CLIENT_ID,
      name: 'Flotilla service client',
      secret: config.SERVICE_CLIENT_SECRET,
      redirectUris: [],
      grantTypes: ['client_credentials'],
      scopes: scopes(config.SERVICE_CLIENT_SCOPES, 'SERVICE_CLIENT_SCOPES'),
    },
  ];
}

/**
 * Makes the client table equal to the registrations: upserts each and removes
 * clients no longer configured. Every run rewrites the stored secret, so rows
 * made with argon2id before generated secrets were stored as SHA-256 digests
 * change over on the next seed (domain/oauth/client-secret.ts).
 */
export async function seedClients(
  prisma: PrismaClient,
  hasher: PasswordHasher,
  registrations: readonly ClientRegistration[],
  options: { removeOthers?: boolean } = {},
): Promise<void> {
  const secrets = createClientSecretHasher(hasher);
  const rows = await Promise.all(
    registrations.map(async (r) => ({
      id: r.id,
      name: r.name,
      type: 'CONFIDENTIAL' as const,
      secretHash: await secrets.hash(r.secret, r.secretOrigin),
      redirectUris: [...r.redirectUris],
      postLogoutRedirectUris: [...(r.postLogoutRedirectUris ?? [])],
      grantTypes: [...r.grantTypes],
      scopes: [...r.scopes],
    })),
  );
  const removeOthers = options.removeOthers ?? true;
  await prisma.$transaction([
    ...(removeOthers ? [prisma.oAuthClient.deleteMany({ where: { id: { notIn: rows.map((r) => r.id) } } })] : []),
    ...rows.map((row) => prisma.oAuthClient.upsert({ where: { id: row.id }, create: row, update: row })),
  ]);
}
