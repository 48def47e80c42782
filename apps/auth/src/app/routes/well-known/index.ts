import { Type, type Static } from 'typebox';
import type { KitInstance } from '@flotilla/service-kit';
import { passkeysScript } from '../../../views/passkeys-script';
import { AUTH_CSS } from '../../../views/styles';
import type { RouteOptions } from '../route-options';

const JwkSchema = Type.Object(
  {
    kty: Type.String(),
    crv: Type.String(),
    x: Type.String(),
    y: Type.String(),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.String(),
  },
  { additionalProperties: false },
);
const JwksSchema = Type.Object({ keys: Type.Array(JwkSchema) }, { additionalProperties: false });

/** Discovery (OIDC Discovery 1.0 §3, RFC 8414) and the key set. */
export default async function wellKnownRoutes(app: KitInstance, options: RouteOptions) {
  const { issuer } = options;
  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    revocation_endpoint: `${issuer}/revoke`,
    introspection_endpoint: `${issuer}/introspect`,
    end_session_endpoint: `${issuer}/logout`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp', 'email', 'email_verified', 'name', 'amr', 'acr'],
    prompt_values_supported: ['none', 'login', 'create'],
    authorization_response_iss_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    claims_parameter_supported: false,
  };

  app.get('/.well-known/openid-configuration', async (_request, reply) => {
    // Exactly the scopes some registered client may request (the seed step defines them).
    const clients = await app.prisma.oAuthClient.findMany({ select: { scopes: true } });
    const scopes = [...new Set(clients.flatMap((c) => c.scopes))].sort();
    reply.header('cache-control', 'public, max-age=300');
    return { ...metadata, scopes_supported: scopes };
  });

  const jwks = { keys: app.signingKeys.publicJwks.keys.map((k) => ({ ...k })) } as Static<typeof JwksSchema>;
  for (const url of ['/jwks', '/.well-known/jwks.json']) {
    app.get(url, { schema: { response: { 200: JwksSchema } } }, async (_request, reply) => {
      // Short enough that a newly published key reaches verifiers before it signs.
      reply.header('cache-control', 'public, max-age=300');
      return jwks;
    });
  }

  app.get('/assets/auth.css', async (_request, reply) => {
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600');
    return AUTH_CSS;
  });

  // Read at boot: a missing bundle fails the start, not a sign-in.
  const script = passkeysScript();
  app.get('/assets/passkeys.js', async (_request, reply) => {
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600');
    return script;
  });
}
