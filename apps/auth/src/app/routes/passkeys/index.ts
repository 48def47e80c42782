import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { AppError, errorResponseSchema, type KitInstance } from '@flotilla/service-kit';
import { DomainError } from '../../../domain/errors';
import { messagePage, passkeysPage } from '../../../views/pages';
import { authCookies, clearAuthCookie, cookieAttributes, safeReturnTo, type RouteOptions } from '../route-options';
import { openSession, pendingUser, signedInSession, signedInUser } from '../sign-in';

/** A PublicKeyCredential as @simplewebauthn/browser serialises it; the library checks the rest. */
const CredentialSchema = Type.Object(
  {
    // WebAuthn §5.1: at most 1023 bytes, base64url.
    id: Type.String({ minLength: 1, maxLength: 1366, pattern: '^[A-Za-z0-9_-]+$' }),
    rawId: Type.String({ minLength: 1, maxLength: 1366 }),
    type: Type.Literal('public-key'),
    // The transports are stored with the credential: only the known ones (WebAuthn §5.8.4), each once.
    response: Type.Object(
      {
        transports: Type.Optional(
          Type.Array(Type.Union(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'].map((t) => Type.Literal(t))), {
            maxItems: 8,
            uniqueItems: true,
          }),
        ),
      },
      { additionalProperties: true },
    ),
    clientExtensionResults: Type.Record(Type.String(), Type.Unknown()),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);

const FinishSchema = Type.Object(
  {
    response: CredentialSchema,
    return_to: Type.Optional(Type.String({ maxLength: 4096 })),
    name: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
const NoBodySchema = Type.Object({}, { additionalProperties: false });
/** The options for navigator.credentials, passed through as the library built them. */
const OptionsSchema = Type.Object({}, { additionalProperties: true });
const RedirectSchema = Type.Object({ redirect: Type.String() }, { additionalProperties: false });
const RemoveFormSchema = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 1366 }), _csrf: Type.Optional(Type.String({ maxLength: 256 })) },
  { additionalProperties: false },
);
const NoticeQuery = Type.Object({ added: Type.Optional(Type.String({ maxLength: 1 })), removed: Type.Optional(Type.String({ maxLength: 1 })) });

type Finish = { response: RegistrationResponseJSON | AuthenticationResponseJSON; return_to?: string; name?: string };

const responses = (ok: number, okSchema: object) => ({
  [ok]: okSchema,
  400: errorResponseSchema,
  401: errorResponseSchema,
  403: errorResponseSchema,
  429: errorResponseSchema,
});

/**
 * Passkeys (ASVS 5.0 6.3.3, 6.5.x): the account page, the registration ceremony,
 * passwordless sign-in with discoverable credentials, and the passkey as second
 * factor after the password. The JSON calls come from /assets/passkeys.js; they
 * carry the page's CSRF token in a header, and JSON from another site would need a
 * CORS preflight this service never grants.
 */
export default async function passkeyRoutes(app: KitInstance, options: RouteOptions) {
  const prefix = options.routePrefix;
  const ctx = { prefix };
  const ceremonyCookie = authCookies(options.cookieSecure).webauthn;
  const service = app.passkeyService;
  const ceremonyMaxAge = options.webauthnCeremonySeconds;
  // Per process, per client IP: the ceremonies are cheap to start, each stores a row.
  const rateLimit = { rateLimit: { max: 60, timeWindow: 60_000 } };

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

  /** The ceremony cookie: only this browser can answer the challenge it asked for. */
  const setCeremony = (reply: FastifyReply, token: string) =>
    reply.setCookie(ceremonyCookie.name, token, { ...cookieAttributes(ceremonyCookie), maxAge: ceremonyMaxAge });
  const takeCeremony = (request: FastifyRequest, reply: FastifyReply) => {
    clearAuthCookie(reply, ceremonyCookie);
    return request.cookies[ceremonyCookie.name];
  };

  const asHttp = (error: unknown): never => {
    if (!(error instanceof DomainError)) throw error;
    throw new AppError(error.code === 'INVALID_CREDENTIALS' ? 401 : 400, error.code, error.message);
  };

  const notSignedIn = () => new AppError(401, 'NOT_SIGNED_IN', 'Sign in first.');
  const signInAgain = 'Sign in again to change your passkeys: this needs a sign-in of the last few minutes.';
  /** Adding or removing a passkey needs a recent sign-in (routes/sign-in REAUTH_SECONDS). */
  const recentUser = async (request: FastifyRequest) => {
    const signedIn = await signedInSession(app, options, request);
    if (!signedIn) throw notSignedIn();
    if (!signedIn.recent) throw new AppError(401, 'REAUTHENTICATION_REQUIRED', signInAgain);
    return signedIn.user;
  };

  app.get('/account/passkeys', { schema: { querystring: NoticeQuery } }, async (request, reply) => {
    const user = await signedInUser(app, options, request);
    if (!user) return reply.redirect(`${prefix}/login`, 303);
    const passkeys = await service.list(user.id);
    const notice = request.query.added ? 'Passkey added.' : request.query.removed ? 'Passkey removed.' : undefined;
    return html(
      reply,
      200,
      passkeysPage(ctx, {
        csrfToken: reply.generateCsrf(),
        notice,
        passkeys: passkeys.map((p) => ({ id: p.id, name: p.name, synced: p.backupEligible, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt })),
      }),
    );
  });

  app.post(
    '/account/passkeys/options',
    { config: rateLimit, schema: { body: NoBodySchema, response: responses(200, OptionsSchema) }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const user = await recentUser(request);
      const ceremony = await service.beginRegistration(user).catch(asHttp);
      setCeremony(reply, ceremony.token);
      return ceremony.options;
    },
  );

  app.post(
    '/account/passkeys',
    { config: rateLimit, schema: { body: FinishSchema, response: responses(201, RedirectSchema) }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const body = request.body as unknown as Finish;
      const token = takeCeremony(request, reply);
      const user = await recentUser(request);
      await service.finishRegistration(user.id, token, body.response as RegistrationResponseJSON, body.name ?? '').catch(asHttp);
      request.log.info({ 'user.id': user.id }, 'passkey added');
      return reply.code(201).send({ redirect: `${prefix}/account/passkeys?added=1` });
    },
  );

  app.post(
    '/account/passkeys/remove',
    { schema: { body: RemoveFormSchema }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const signedIn = await signedInSession(app, options, request);
      if (!signedIn) return reply.redirect(`${prefix}/login`, 303);
      if (!signedIn.recent) return html(reply, 401, messagePage(ctx, { title: 'Sign in again', message: signInAgain }));
      const { user } = signedIn;
      const removed = await service.remove(user.id, (request.body as { id: string }).id);
      if (!removed) return html(reply, 404, messagePage(ctx, { title: 'Passkey not found', message: 'This account has no such passkey.' }));
      request.log.info({ 'user.id': user.id }, 'passkey removed');
      return reply.redirect(`${prefix}/account/passkeys?removed=1`, 303);
    },
  );

  // Passwordless sign-in: no account is named; the authenticator offers its discoverable credentials.
  app.post(
    '/login/passkey/options',
    { config: rateLimit, schema: { body: NoBodySchema, response: responses(200, OptionsSchema) }, preHandler: app.csrfProtection },
    async (_request, reply) => {
      const ceremony = await service.beginAuthentication('login', null);
      setCeremony(reply, ceremony.token);
      return ceremony.options;
    },
  );

  app.post(
    '/login/passkey',
    { config: rateLimit, schema: { body: FinishSchema, response: responses(200, RedirectSchema) }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const body = request.body as unknown as Finish;
      const token = takeCeremony(request, reply);
      const result = await service.finishAuthentication('login', token, body.response as AuthenticationResponseJSON, null).catch(asHttp);
      // RFC 8176: the key (hwk/swk), and mfa: user verification was required, so the
      // authenticator checked a PIN or biometric besides possession.
      await openSession(app, options, request, reply, result.userId, [result.amr, 'mfa']);
      return { redirect: safeReturnTo(prefix, body.return_to) ?? `${prefix}/` };
    },
  );

  // The second factor after the password (the /login/otp page offers it to accounts with a passkey).
  app.post(
    '/login/otp/passkey/options',
    { config: rateLimit, schema: { body: NoBodySchema, response: responses(200, OptionsSchema) }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const userId = pendingUser(request, options.cookieSecure);
      if (!userId) throw notSignedIn();
      const ceremony = await service.beginAuthentication('second_factor', userId).catch(asHttp);
      setCeremony(reply, ceremony.token);
      return ceremony.options;
    },
  );

  app.post(
    '/login/otp/passkey',
    { config: rateLimit, schema: { body: FinishSchema, response: responses(200, RedirectSchema) }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const body = request.body as unknown as Finish;
      const token = takeCeremony(request, reply);
      const userId = pendingUser(request, options.cookieSecure);
      if (!userId) throw notSignedIn();
      const result = await service.finishAuthentication('second_factor', token, body.response as AuthenticationResponseJSON, userId).catch(asHttp);
      await openSession(app, options, request, reply, result.userId, ['pwd', result.amr]);
      return { redirect: safeReturnTo(prefix, body.return_to) ?? `${prefix}/` };
    },
  );
}
