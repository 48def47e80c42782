import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KitInstance } from '@flotilla/service-kit';
import { extractBearerToken } from '@flotilla/auth-verify';
import { buildRedirect, validateAuthorizationRequest } from '../../../domain/oauth/authorization-request';
import { OAuthError } from '../../../domain/oauth/oauth-errors';
import { messagePage } from '../../../views/pages';
import { authCookies, type RouteOptions } from '../route-options';
import { readClientCredentials } from './client-auth';

const FORM = 'application/x-www-form-urlencoded';
const MAX_PARAM = 4096;

const OAuthErrorSchema = Type.Object(
  { error: Type.String(), error_description: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const TokenResponseSchema = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
    scope: Type.String(),
    refresh_token: Type.Optional(Type.String()),
    id_token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const IntrospectionSchema = Type.Object(
  {
    active: Type.Boolean(),
    scope: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String()),
    sub: Type.Optional(Type.String()),
    exp: Type.Optional(Type.Integer()),
    iat: Type.Optional(Type.Integer()),
    iss: Type.Optional(Type.String()),
    aud: Type.Optional(Type.String()),
    jti: Type.Optional(Type.String()),
    token_type: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const UserInfoSchema = Type.Object(
  { sub: Type.String(), email: Type.Optional(Type.String()), email_verified: Type.Optional(Type.Boolean()), name: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

/**
 * The form body of an OAuth endpoint as single strings. Repeated parameters are
 * refused (RFC 6749 §3.2); unknown ones are ignored, as the RFC requires.
 */
function formParams(request: FastifyRequest): Record<string, string | undefined> {
  const type = request.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith(FORM)) throw new OAuthError('invalid_request', `send the parameters as ${FORM}`);
  const body = (request.body ?? {}) as Record<string, unknown>;
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `parameter ${key} is repeated`);
    if (value.length > MAX_PARAM) throw new OAuthError('invalid_request', `parameter ${key} is too long`);
    out[key] = value === '' ? undefined : value;
  }
  return out;
}

function sendOAuthError(reply: FastifyReply, error: OAuthError, usedBasic: boolean) {
  // RFC 6749 §5.2: 401 with a challenge when the client tried HTTP Basic.
  if (error.error === 'invalid_client' && usedBasic) reply.header('www-authenticate', 'Basic realm="flotilla-auth", charset="UTF-8"');
  return reply
    .code(error.statusCode)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({ error: error.error, error_description: error.message });
}

export default async function oauthRoutes(app: KitInstance, options: RouteOptions) {
  const prefix = options.routePrefix;
  const cookies = authCookies(options.cookieSecure);
  const ctx = { prefix };
  const service = app.oauthService;

  // Errors from the token, revocation and introspection endpoints use RFC 6749 §5.2's
  // shape, not the house error shape: OAuth client libraries parse them.
  const oauthJson = { response: { 400: OAuthErrorSchema, 401: OAuthErrorSchema } };

  app.get('/authorize', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const result = await validateAuthorizationRequest(query, (id) => app.oauthStore.findClient(id));
    if (result.kind === 'show-error') {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(messagePage(ctx, { title: 'Sign-in request not valid', message: result.message }));
    }
    if (result.kind === 'redirect-error') {
      return reply.redirect(
        buildRedirect(result.redirectUri, { error: result.error, error_description: result.description, state: result.state, iss: options.issuer }),
        302,
      );
    }
    const authRequest = result.request;
    let session = await app.sessionService.resume(request.cookies[cookies.session.name]);
    const tooOld =
      session && authRequest.maxAgeSeconds !== undefined && Date.now() - session.authTime.getTime() > authRequest.maxAgeSeconds * 1000;
    // prompt=create asks for a new account: an existing session is not reused for it.
    if (authRequest.prompt === 'login' || authRequest.prompt === 'create' || tooOld) session = undefined;

    if (!session) {
      if (authRequest.prompt === 'none') {
        return reply.redirect(
          buildRedirect(authRequest.redirectUri, { error: 'login_required', state: authRequest.state, iss: options.issuer }),
          302,
        );
      }
      // Back here after sign-in, without the parameters that forced it (no login loop).
      // Parsed as a URL: a '?' inside a value (state, nonce) belongs to that value.
      const again = new URL(request.url, options.issuer).searchParams;
      again.delete('prompt');
      again.delete('max_age');
      const returnTo = `${prefix}/authorize?${again.toString()}`;
      // OIDC "Initiating User Registration" §4: prompt=create opens the sign-up form,
      // which returns to this request like the sign-in form does.
      const page = authRequest.prompt === 'create' ? 'register' : 'login';
      return reply.redirect(`${prefix}/${page}?return_to=${encodeURIComponent(returnTo)}`, 303);
    }

    // First-party clients only: consent is implied by registration, so no consent screen.
    const code = await service.issueAuthorizationCode(authRequest, { id: session.userId, authTime: session.authTime, amr: session.amr }, session.id);
    reply.header('cache-control', 'no-store');
    return reply.redirect(buildRedirect(authRequest.redirectUri, { code, state: authRequest.state, iss: options.issuer }), 302);
  });

  app.post('/token', { schema: { response: { 200: TokenResponseSchema, ...oauthJson.response } } }, async (request, reply) => {
    const usedBasic = request.headers.authorization !== undefined;
    try {
      const params = formParams(request);
      const client = await service.authenticateClient(readClientCredentials(request.headers.authorization, params));
      let response;
      switch (params.grant_type) {
        case 'authorization_code':
          response = await service.exchangeAuthorizationCode(client, {
            code: params.code,
            redirectUri: params.redirect_uri,
            codeVerifier: params.code_verifier,
          });
          break;
        case 'refresh_token':
          response = await service.refresh(client, { refreshToken: params.refresh_token, scope: params.scope });
          break;
        case 'client_credentials':
          response = await service.clientCredentials(client, { scope: params.scope });
          break;
        case undefined:
          throw new OAuthError('invalid_request', 'grant_type is required');
        default:
          throw new OAuthError('unsupported_grant_type', 'supported: authorization_code, refresh_token, client_credentials');
      }
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(reply, error, usedBasic);
      throw error;
    }
  });

  app.post('/revoke', { schema: { response: { 200: Type.Object({}, { additionalProperties: false }), ...oauthJson.response } } }, async (request, reply) => {
    const usedBasic = request.headers.authorization !== undefined;
    try {
      const params = formParams(request);
      const client = await service.authenticateClient(readClientCredentials(request.headers.authorization, params));
      await service.revoke(client, { token: params.token, tokenTypeHint: params.token_type_hint });
      // RFC 7009 §2.2: 200 whether or not the token was valid; the body is ignored.
      return reply.code(200).header('cache-control', 'no-store').send({});
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(reply, error, usedBasic);
      throw error;
    }
  });

  app.post('/introspect', { schema: { response: { 200: IntrospectionSchema, ...oauthJson.response, 403: OAuthErrorSchema } } }, async (request, reply) => {
    const usedBasic = request.headers.authorization !== undefined;
    try {
      const params = formParams(request);
      // RFC 7662 §2.1: callers must authenticate; §4: and be a designated resource
      // server, so an ordinary client cannot scan tokens or read users' emails.
      const client = await service.authenticateClient(readClientCredentials(request.headers.authorization, params));
      if (!options.introspectionClientIds.includes(client.id)) {
        return reply
          .code(403)
          .header('cache-control', 'no-store')
          .send({ error: 'unauthorized_client', error_description: 'this client may not introspect tokens' });
      }
      const result = await service.introspect({ token: params.token, tokenTypeHint: params.token_type_hint });
      return reply.header('cache-control', 'no-store').send(result);
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(reply, error, usedBasic);
      throw error;
    }
  });

  const userinfo = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = extractBearerToken(request.headers.authorization);
    if (!token) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="flotilla-auth"').send();
    }
    const result = await service.userinfo(token);
    if ('error' in result) {
      const status = result.error === 'invalid_token' ? 401 : 403;
      return reply.code(status).header('www-authenticate', `Bearer realm="flotilla-auth", error="${result.error}"`).send();
    }
    return reply.header('cache-control', 'no-store').send(result);
  };
  app.get('/userinfo', { schema: { response: { 200: UserInfoSchema } } }, userinfo);
  app.post('/userinfo', { schema: { response: { 200: UserInfoSchema } } }, userinfo);
}
