import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { AppError, errorResponseSchema, type KitInstance } from '@flotilla/service-kit';
import { DomainError } from '../../../domain/errors';
import { forgotPasswordPage, messagePage, resetPasswordPage, type FieldErrors } from '../../../views/pages';
import { authCookies, clearAuthCookie, type RouteOptions } from '../route-options';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const ForgotJsonSchema = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }) }, { additionalProperties: false });
const ForgotFormSchema = Type.Object(
  { email: Type.Optional(Type.String({ maxLength: 1024 })), _csrf: Type.Optional(Type.String({ maxLength: 256 })) },
  { additionalProperties: false },
);
const ResetJsonSchema = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 100 }), newPassword: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
const ResetFormSchema = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 1024 })),
    newPassword: Type.Optional(Type.String({ maxLength: 4096 })),
    _csrf: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
const AcceptedSchema = Type.Object({ message: Type.String() }, { additionalProperties: false });
const ResetDoneSchema = Type.Object(
  { userId: Type.String(), sessionsEnded: Type.Integer(), refreshFamiliesRevoked: Type.Integer() },
  { additionalProperties: false },
);
const TokenQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 1024 })) });

function statusFor(error: DomainError): number {
  return error.code === 'TOO_MANY_ATTEMPTS' ? 429 : 400;
}

function fieldErrors(error: DomainError): FieldErrors {
  return Object.fromEntries(error.details.map((d) => [d.field, d.message]));
}

/** Form posts carry a CSRF token; JSON needs a CORS preflight this service never grants. */
function csrfForForms(app: KitInstance) {
  return (request: { headers: Record<string, unknown> }, reply: FastifyReply, done: (err?: Error) => void) => {
    const type = request.headers['content-type'];
    if (typeof type === 'string' && type.startsWith(FORM)) return app.csrfProtection.call(app, request as never, reply, done);
    done();
  };
}

/**
 * "Forgot password" and the emailed link (ASVS 5.0 6.4.1, 6.4.2). The request answer
 * is the same for every address; the mail work happens after it (domain/users/reset-password.ts).
 */
export default async function passwordRoutes(app: KitInstance, options: RouteOptions) {
  const prefix = options.routePrefix;
  const cookies = authCookies(options.cookieSecure);
  const ctx = { prefix };
  const ttlMinutes = Math.floor(app.config.PASSWORD_RESET_TTL_SECONDS / 60);
  const accepted = `If an account uses this address, a link to choose a new password is on its way. It works once, for ${ttlMinutes} minutes.`;

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

  const renderForgot = (reply: FastifyReply, status: number, view: { email?: string; error?: string; fieldErrors?: FieldErrors; sentTo?: string }) =>
    html(reply, status, forgotPasswordPage(ctx, { ...view, csrfToken: reply.generateCsrf(), ttlMinutes }));

  const renderReset = (reply: FastifyReply, status: number, view: { token: string; error?: string; fieldErrors?: FieldErrors }) =>
    html(
      reply,
      status,
      resetPasswordPage(ctx, {
        ...view,
        csrfToken: reply.generateCsrf(),
        minPasswordLength: app.passwordPolicy.minLength,
        maxPasswordLength: app.passwordPolicy.maxLength,
      }),
    );

  const spentPage = (reply: FastifyReply) =>
    html(
      reply,
      400,
      messagePage(ctx, { title: 'Link no longer valid', message: 'This reset link has expired or was already used. Ask for a new one from the sign-in page.' }),
    );

  app.get('/password/forgot', async (_request, reply) => renderForgot(reply, 200, {}));

  app.post(
    '/password/forgot',
    {
      schema: {
        body: { content: { [JSON_TYPE]: { schema: ForgotJsonSchema }, [FORM]: { schema: ForgotFormSchema } } },
        response: { 202: AcceptedSchema, 400: errorResponseSchema, 429: errorResponseSchema },
      },
      preHandler: csrfForForms(app),
    },
    async (request, reply) => {
      const isForm = request.headers['content-type']?.startsWith(FORM) ?? false;
      const email = (request.body as { email?: string }).email?.trim() ?? '';
      try {
        await app.passwordReset.request({ email, ip: request.ip });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
        if (!isForm) throw new AppError(statusFor(error), error.code, error.message, [...error.details]);
        return renderForgot(reply, statusFor(error), { email, error: error.message, fieldErrors: fieldErrors(error) });
      }
      if (!isForm) return reply.code(202).send({ message: accepted });
      return renderForgot(reply, 200, { email, sentTo: email });
    },
  );

  app.get('/password/reset', { schema: { querystring: TokenQuery } }, async (request, reply) => {
    const token = request.query.token ?? '';
    if (!(await app.passwordReset.check(token))) return spentPage(reply);
    return renderReset(reply, 200, { token });
  });

  app.post(
    '/password/reset',
    {
      schema: {
        body: { content: { [JSON_TYPE]: { schema: ResetJsonSchema }, [FORM]: { schema: ResetFormSchema } } },
        response: { 200: ResetDoneSchema, 400: errorResponseSchema },
      },
      preHandler: csrfForForms(app),
    },
    async (request, reply) => {
      const isForm = request.headers['content-type']?.startsWith(FORM) ?? false;
      const body = request.body as { token?: string; newPassword?: string };
      const token = body.token ?? '';
      if (isForm && !body.newPassword) {
        if (!(await app.passwordReset.check(token))) return spentPage(reply);
        return renderReset(reply, 400, { token, error: 'Some fields need attention.', fieldErrors: { newPassword: 'Enter a new password.' } });
      }
      try {
        const done = await app.passwordReset.reset({ token, newPassword: body.newPassword ?? '' });
        request.log.info({ 'user.id': done.userId, 'session.ended': done.sessionsEnded }, 'password reset');
        if (!isForm) return reply.code(200).send({ userId: done.userId, sessionsEnded: done.sessionsEnded, refreshFamiliesRevoked: done.familiesRevoked });
        clearAuthCookie(reply, cookies.session);
        return html(
          reply,
          200,
          messagePage(ctx, { title: 'Password changed', message: 'Your new password is set, and you have been signed out everywhere. Sign in with the new password.' }),
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (!isForm) throw new AppError(statusFor(error), error.code, error.message, [...error.details]);
        if (error.code === 'INVALID_RESET_TOKEN') return spentPage(reply);
        return renderReset(reply, statusFor(error), { token, error: error.message, fieldErrors: fieldErrors(error) });
      }
    },
  );
}
