import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorResponseSchema, type KitInstance } from '@flotilla/service-kit';
import { DomainError } from '../../../domain/errors';
import { compactVerify, createLocalJWKSet } from 'jose';
import { changePasswordPage, deactivatePage, loginPage, messagePage, registerPage, signedInPage, type FieldErrors, type LogoutTarget } from '../../../views/pages';
import { contentSecurityPolicy } from '../../plugins/external/security';
import { authCookies, ACCOUNT_PASSWORD_PATH, clearAuthCookie, cookieAttributes, MFA_PENDING_SECONDS, safeReturnTo, type RouteOptions } from '../route-options';
import { openSession } from '../sign-in';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const RegisterJsonSchema = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    // Longer than the policy maximum, so an over-long password gets the policy's clear message.
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

/** Browser forms: every field optional here, so a bad submission re-renders the page with messages. */
const FormSchema = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 1024 })),
    displayName: Type.Optional(Type.String({ maxLength: 1024 })),
    password: Type.Optional(Type.String({ maxLength: 4096 })),
    return_to: Type.Optional(Type.String({ maxLength: 4096 })),
    _csrf: Type.Optional(Type.String({ maxLength: 256 })),
    client_id: Type.Optional(Type.String({ maxLength: 200 })),
    post_logout_redirect_uri: Type.Optional(Type.String({ maxLength: 2048 })),
    state: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

/** For scripts and tests: the current password authenticates the change. */
const ChangePasswordJsonSchema = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
    newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

const ChangePasswordFormSchema = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 1024 })),
    currentPassword: Type.Optional(Type.String({ maxLength: 4096 })),
    newPassword: Type.Optional(Type.String({ maxLength: 4096 })),
    _csrf: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);

const PasswordChangedSchema = Type.Object(
  { userId: Type.String(), sessionsEnded: Type.Integer(), refreshFamiliesRevoked: Type.Integer() },
  { additionalProperties: false },
);

/** OIDC RP-Initiated Logout 1.0 §2 parameters. */
const LogoutQuery = Type.Object({
  client_id: Type.Optional(Type.String({ maxLength: 200 })),
  post_logout_redirect_uri: Type.Optional(Type.String({ maxLength: 2048 })),
  state: Type.Optional(Type.String({ maxLength: 1024 })),
  id_token_hint: Type.Optional(Type.String({ maxLength: 8192 })),
});

const RegisteredSchema = Type.Object(
  { id: Type.String(), email: Type.String(), displayName: Type.String() },
  { additionalProperties: false },
);

const ReturnToQuery = Type.Object({ return_to: Type.Optional(Type.String({ maxLength: 4096 })) });

type FormBody = {
  client_id?: string;
  post_logout_redirect_uri?: string;
  state?: string;
  email?: string;
  displayName?: string;
  password?: string;
  return_to?: string;
  _csrf?: string;
};

function fieldErrors(error: DomainError): FieldErrors {
  return Object.fromEntries(error.details.map((d) => [d.field, d.message]));
}

function statusFor(error: DomainError): number {
  switch (error.code) {
    case 'EMAIL_TAKEN':
      return 409;
    case 'INVALID_CREDENTIALS':
      return 401;
    case 'TOO_MANY_ATTEMPTS':
      return 429;
    default:
      return 400;
  }
}

export default async function accountRoutes(app: KitInstance, options: RouteOptions) {
  const prefix = options.routePrefix;
  const ctx = { prefix };
  const cookies = authCookies(options.cookieSecure);

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

  const startSession = (request: FastifyRequest, reply: FastifyReply, userId: string) => openSession(app, options, request, reply, userId);

  /** Lets the sign-in form's redirect chain reach the registered redirect_uri it leads to. */
  async function allowFormTarget(reply: FastifyReply, returnTo: string | undefined) {
    if (!returnTo) return;
    const params = new URLSearchParams(returnTo.slice(returnTo.indexOf('?') + 1));
    const client = await app.oauthStore.findClient(params.get('client_id') ?? '');
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!client || !client.redirectUris.includes(redirectUri)) return;
    reply.header('content-security-policy', contentSecurityPolicy([new URL(redirectUri).origin]));
  }

  const renderLogin = async (reply: FastifyReply, status: number, view: Omit<Parameters<typeof loginPage>[1], 'csrfToken'>) => {
    await allowFormTarget(reply, view.returnTo);
    return html(reply, status, loginPage(ctx, { ...view, csrfToken: reply.generateCsrf() }));
  };

  const renderRegister = async (
    reply: FastifyReply,
    status: number,
    view: Omit<Parameters<typeof registerPage>[1], 'csrfToken' | 'minPasswordLength' | 'maxPasswordLength'>,
  ) => {
    await allowFormTarget(reply, view.returnTo);
    return html(
      reply,
      status,
      registerPage(ctx, {
        ...view,
        csrfToken: reply.generateCsrf(),
        minPasswordLength: app.passwordPolicy.minLength,
        maxPasswordLength: app.passwordPolicy.maxLength,
      }),
    );
  };

  app.get('/', async (request, reply) => {
    const session = await app.sessionService.resume(request.cookies[cookies.session.name]);
    if (!session) return reply.redirect(`${prefix}/login`, 303);
    const user = await app.oauthStore.findUser(session.userId);
    if (!user) return reply.redirect(`${prefix}/login`, 303);
    return html(reply, 200, signedInPage(ctx, { displayName: user.displayName, email: user.email, csrfToken: reply.generateCsrf() }));
  });

  app.get('/login', { schema: { querystring: ReturnToQuery } }, async (request, reply) => {
    return renderLogin(reply, 200, { returnTo: safeReturnTo(prefix, request.query.return_to) });
  });

  app.post(
    '/login',
    { schema: { body: FormSchema }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const body = request.body as FormBody;
      const returnTo = safeReturnTo(prefix, body.return_to);
      const email = body.email?.trim() ?? '';
      const password = body.password ?? '';
      const missing: Record<string, string> = {};
      if (!email) missing.email = 'Enter your email address.';
      if (!password) missing.password = 'Enter your password.';
      if (Object.keys(missing).length > 0) {
        return renderLogin(reply, 400, { email, returnTo, error: 'Some fields need attention.', fieldErrors: missing });
      }
      try {
        const user = await app.loginService.verifyPassword({ email, password, ip: request.ip });
        if (await app.totpService.isEnabled(user.id)) {
          // No session yet: the second factor decides (routes/mfa).
          const until = Date.now() + MFA_PENDING_SECONDS * 1000;
          reply.setCookie(cookies.mfaPending.name, `${user.id}.${until}`, {
            ...cookieAttributes(cookies.mfaPending),
            signed: true,
            maxAge: MFA_PENDING_SECONDS,
          });
          return reply.redirect(`${prefix}/login/otp${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`, 303);
        }
        await startSession(request, reply, user.id);
        return reply.redirect(returnTo ?? `${prefix}/`, 303);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
        return renderLogin(reply, statusFor(error), { email, returnTo, error: error.message });
      }
    },
  );

  /**
   * Where to send the browser after sign-out: only a post_logout_redirect_uri the
   * client registered (exact match). The client comes from client_id or, per the
   * spec, from the ID token hint's audience.
   */
  const ownKeys = createLocalJWKSet({ keys: [...app.signingKeys.publicJwks.keys] });

  /**
   * The audience of an ID token this provider issued, or undefined when the hint is
   * not one: signature by our own keys and our issuer are checked; an expired token
   * is still accepted (OIDC RP-Initiated Logout 1.0 §2 allows it), and an access
   * token (typ at+jwt) is not an ID token.
   */
  async function hintAudience(hint: string): Promise<string[] | undefined> {
    try {
      const { payload, protectedHeader } = await compactVerify(hint, ownKeys, { algorithms: ['ES256'] });
      if (protectedHeader.typ !== undefined && protectedHeader.typ.toLowerCase().replace(/^application\//, '') === 'at+jwt') return undefined;
      const claims = JSON.parse(new TextDecoder().decode(payload)) as { iss?: unknown; aud?: unknown };
      if (claims.iss !== options.issuer) return undefined;
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      return aud.every((a): a is string => typeof a === 'string') && aud.length > 0 ? aud : undefined;
    } catch {
      return undefined;
    }
  }

  async function logoutTarget(params: { client_id?: string; post_logout_redirect_uri?: string; state?: string; id_token_hint?: string }) {
    let clientId = params.client_id;
    if (params.id_token_hint) {
      const audience = await hintAudience(params.id_token_hint);
      // §2: the hint must be one we issued, and client_id, when sent, must be its audience.
      if (!audience || (clientId !== undefined && !audience.includes(clientId))) return { ok: false as const };
      clientId ??= audience[0];
    }
    if (!params.post_logout_redirect_uri) return { ok: true as const, target: undefined };
    const client = clientId ? await app.oauthStore.findClient(clientId) : undefined;
    if (!client || !client.postLogoutRedirectUris.includes(params.post_logout_redirect_uri)) return { ok: false as const };
    return {
      ok: true as const,
      target: { clientId: client.id, postLogoutRedirectUri: params.post_logout_redirect_uri, state: params.state } satisfies LogoutTarget,
    };
  }

  const backTo = (target: LogoutTarget) => {
    const url = new URL(target.postLogoutRedirectUri);
    if (target.state !== undefined) url.searchParams.set('state', target.state);
    return url.toString();
  };

  const badLogout = (reply: FastifyReply) =>
    html(reply, 400, messagePage(ctx, { title: 'Sign-out request not valid', message: 'The address to return to after signing out is not registered for this application.' }));

  app.get('/logout', { schema: { querystring: LogoutQuery } }, async (request, reply) => {
    const resolved = await logoutTarget(request.query);
    if (!resolved.ok) return badLogout(reply);
    const session = await app.sessionService.resume(request.cookies[cookies.session.name]);
    const user = session && (await app.oauthStore.findUser(session.userId));
    if (!user) {
      if (resolved.target) return reply.redirect(backTo(resolved.target), 303);
      return html(reply, 200, messagePage(ctx, { title: 'Signed out', message: 'You are not signed in.' }));
    }
    // Sign-out is confirmed with a CSRF-protected POST, so a third-party page cannot sign the user out.
    if (resolved.target) reply.header('content-security-policy', contentSecurityPolicy([new URL(resolved.target.postLogoutRedirectUri).origin]));
    return html(
      reply,
      200,
      signedInPage(ctx, { displayName: user.displayName, email: user.email, csrfToken: reply.generateCsrf(), logoutTarget: resolved.target }),
    );
  });

  app.post('/logout', { schema: { body: FormSchema }, preHandler: app.csrfProtection }, async (request, reply) => {
    const body = request.body as FormBody;
    const resolved = await logoutTarget(body);
    if (!resolved.ok) return badLogout(reply);
    await app.sessionService.signOut(request.cookies[cookies.session.name]);
    clearAuthCookie(reply, cookies.session);
    if (resolved.target) return reply.redirect(backTo(resolved.target), 303);
    return html(reply, 200, messagePage(ctx, { title: 'Signed out', message: 'You have been signed out.' }));
  });

  app.get('/register', { schema: { querystring: ReturnToQuery } }, async (request, reply) => {
    return renderRegister(reply, 200, { returnTo: safeReturnTo(prefix, request.query.return_to) });
  });

  app.post(
    '/register',
    {
      // Per process: with several replicas the effective limit is the sum.
      config: { rateLimit: { max: options.registerMaxPerIpPerHour, timeWindow: 3_600_000 } },
      schema: {
        body: { content: { [JSON_TYPE]: { schema: RegisterJsonSchema }, [FORM]: { schema: FormSchema } } },
        response: { 201: RegisteredSchema, 400: errorResponseSchema, 409: errorResponseSchema, 429: errorResponseSchema },
      },
      // JSON cannot be posted cross-site without a CORS preflight, which this service never grants;
      // the browser form carries a CSRF token.
      preHandler: (request, reply, done) => {
        if (request.headers['content-type']?.startsWith(FORM)) return app.csrfProtection.call(app, request, reply, done);
        done();
      },
    },
    async (request, reply) => {
      const isForm = request.headers['content-type']?.startsWith(FORM) ?? false;
      const body = request.body as FormBody;
      const input = { email: body.email ?? '', displayName: body.displayName ?? '', password: body.password ?? '' };
      try {
        const user = await app.userService.register(input);
        if (!isForm) return reply.code(201).send({ id: user.id, email: user.email, displayName: user.displayName });
        await startSession(request, reply, user.id);
        return reply.redirect(safeReturnTo(prefix, body.return_to) ?? `${prefix}/`, 303);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (!isForm) throw new AppError(statusFor(error), error.code, error.message, [...error.details]);
        return renderRegister(reply, statusFor(error), {
          email: input.email,
          displayName: input.displayName,
          returnTo: safeReturnTo(prefix, body.return_to),
          error: error.message,
          fieldErrors: fieldErrors(error),
        });
      }
    },
  );

  const renderChangePassword = (reply: FastifyReply, status: number, view: { email: string; error?: string; fieldErrors?: FieldErrors }) =>
    html(
      reply,
      status,
      changePasswordPage(ctx, {
        ...view,
        csrfToken: reply.generateCsrf(),
        minPasswordLength: app.passwordPolicy.minLength,
        maxPasswordLength: app.passwordPolicy.maxLength,
      }),
    );

  app.get(ACCOUNT_PASSWORD_PATH, async (request, reply) => {
    const session = await app.sessionService.resume(request.cookies[cookies.session.name]);
    const user = session && (await app.oauthStore.findUser(session.userId));
    if (!user) return reply.redirect(`${prefix}/login?return_to=${encodeURIComponent(`${prefix}${ACCOUNT_PASSWORD_PATH}`)}`, 303);
    return renderChangePassword(reply, 200, { email: user.email });
  });

  app.post(
    ACCOUNT_PASSWORD_PATH,
    {
      schema: {
        body: { content: { [JSON_TYPE]: { schema: ChangePasswordJsonSchema }, [FORM]: { schema: ChangePasswordFormSchema } } },
        response: { 200: PasswordChangedSchema, 400: errorResponseSchema, 401: errorResponseSchema, 429: errorResponseSchema },
      },
      // As for /register: JSON needs a CORS preflight this service never grants; the form carries a CSRF token.
      preHandler: (request, reply, done) => {
        if (request.headers['content-type']?.startsWith(FORM)) return app.csrfProtection.call(app, request, reply, done);
        done();
      },
    },
    async (request, reply) => {
      const isForm = request.headers['content-type']?.startsWith(FORM) ?? false;
      const body = request.body as { email?: string; currentPassword?: string; newPassword?: string };
      const session = await app.sessionService.resume(request.cookies[cookies.session.name]);
      const sessionUser = session && (await app.oauthStore.findUser(session.userId));
      // The form changes the signed-in user's password, whatever email the page carried.
      if (isForm && !sessionUser) return reply.redirect(`${prefix}/login`, 303);
      const email = isForm && sessionUser ? sessionUser.email : (body.email ?? '');
      const currentPassword = body.currentPassword ?? '';
      const newPassword = body.newPassword ?? '';
      if (isForm && sessionUser && (!currentPassword || !newPassword)) {
        const missing: Record<string, string> = {};
        if (!currentPassword) missing.currentPassword = 'Enter your current password.';
        if (!newPassword) missing.newPassword = 'Enter a new password.';
        return renderChangePassword(reply, 400, { email, error: 'Some fields need attention.', fieldErrors: missing });
      }
      try {
        const changed = await app.changePassword({
          email,
          currentPassword,
          newPassword,
          ip: request.ip,
          currentSession: session ?? null,
        });
        request.log.info({ 'user.id': changed.userId, 'session.ended': changed.sessionsEnded }, 'password changed');
        if (!isForm) {
          return reply.code(200).send({ userId: changed.userId, sessionsEnded: changed.sessionsEnded, refreshFamiliesRevoked: changed.familiesRevoked });
        }
        return html(
          reply,
          200,
          messagePage(ctx, { title: 'Password changed', message: 'Your password is changed. Every other device and application has been signed out.' }),
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
        if (!isForm) throw new AppError(statusFor(error), error.code, error.message, [...error.details]);
        return renderChangePassword(reply, statusFor(error), { email, error: error.message, fieldErrors: fieldErrors(error) });
      }
    },
  );

  app.get('/account/deactivate', async (request, reply) => {
    const session = await app.sessionService.resume(request.cookies[cookies.session.name]);
    const user = session && (await app.oauthStore.findUser(session.userId));
    if (!user) return reply.redirect(`${prefix}/login`, 303);
    return html(reply, 200, deactivatePage(ctx, { email: user.email, csrfToken: reply.generateCsrf() }));
  });

  app.post('/account/deactivate', { schema: { body: FormSchema }, preHandler: app.csrfProtection }, async (request, reply) => {
    const session = await app.sessionService.resume(request.cookies[cookies.session.name]);
    const user = session && (await app.oauthStore.findUser(session.userId));
    if (!user) return reply.redirect(`${prefix}/login`, 303);
    const body = request.body as FormBody;
    try {
      // Re-authentication for a destructive action (ASVS 7.5.1), throttled like sign-in.
      await app.loginService.verifyPassword({ email: user.email, password: body.password ?? '', ip: request.ip });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      return html(
        reply,
        statusFor(error),
        deactivatePage(ctx, {
          email: user.email,
          csrfToken: reply.generateCsrf(),
          error: error.code === 'INVALID_CREDENTIALS' ? 'The password is incorrect.' : error.message,
          fieldErrors: error.code === 'INVALID_CREDENTIALS' ? { password: 'The password is incorrect.' } : {},
        }),
      );
    }
    await app.userService.deactivate(user.id);
    clearAuthCookie(reply, cookies.session);
    return html(reply, 200, messagePage(ctx, { title: 'Account closed', message: 'Your account is closed and you have been signed out everywhere.' }));
  });
}
