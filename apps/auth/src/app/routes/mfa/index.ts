import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import type { KitInstance } from '@flotilla/service-kit';
import { DomainError } from '../../../domain/errors';
import { messagePage, otpPage, recoveryCodesPage, totpEnrolPage, type FieldErrors } from '../../../views/pages';
import { safeReturnTo, type RouteOptions } from '../route-options';
import { openSession, pendingUser, signedInSession } from '../sign-in';

const CodeFormSchema = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 64 })),
    return_to: Type.Optional(Type.String({ maxLength: 4096 })),
    _csrf: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
const ReturnToQuery = Type.Object({ return_to: Type.Optional(Type.String({ maxLength: 4096 })) });

const statusFor = (error: DomainError) => (error.code === 'TOO_MANY_ATTEMPTS' ? 429 : error.code === 'INVALID_CREDENTIALS' ? 401 : 400);
const fieldErrors = (error: DomainError): FieldErrors => Object.fromEntries(error.details.map((d) => [d.field, d.message]));

/**
 * The second factor (ASVS 5.0 6.3.3): TOTP enrolment from the account page, and
 * the code step of sign-in. After the password, /login sets a signed, short-lived
 * cookie naming the user instead of a session; only a valid code here opens the
 * session, with amr ["pwd","otp"].
 */
export default async function mfaRoutes(app: KitInstance, options: RouteOptions) {
  const prefix = options.routePrefix;
  const ctx = { prefix };

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

  const renderOtp = async (reply: FastifyReply, status: number, userId: string, view: { returnTo?: string; error?: string; fieldErrors?: FieldErrors }) =>
    html(reply, status, otpPage(ctx, { ...view, csrfToken: reply.generateCsrf(), passkey: await app.passkeyService.hasPasskeys(userId) }));

  app.get('/login/otp', { schema: { querystring: ReturnToQuery } }, async (request, reply) => {
    const userId = pendingUser(request, options.cookieSecure);
    if (!userId) return reply.redirect(`${prefix}/login`, 303);
    return renderOtp(reply, 200, userId, { returnTo: safeReturnTo(prefix, request.query.return_to) });
  });

  app.post('/login/otp', { schema: { body: CodeFormSchema }, preHandler: app.csrfProtection }, async (request, reply) => {
    const body = request.body as { code?: string; return_to?: string };
    const returnTo = safeReturnTo(prefix, body.return_to);
    const userId = pendingUser(request, options.cookieSecure);
    if (!userId) return reply.redirect(`${prefix}/login`, 303);
    if (!body.code?.trim()) return renderOtp(reply, 400, userId, { returnTo, error: 'Some fields need attention.', fieldErrors: { code: 'Enter the code.' } });
    try {
      const method = await app.totpService.verify(userId, body.code, request.ip);
      await openSession(app, options, request, reply, userId, ['pwd', method]);
      return reply.redirect(returnTo ?? `${prefix}/`, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      return renderOtp(reply, statusFor(error), userId, { returnTo, error: error.message, fieldErrors: fieldErrors(error) });
    }
  });

  const renderEnrol = async (reply: FastifyReply, status: number, view: { secret: string; uri: string; error?: string; fieldErrors?: FieldErrors }) =>
    html(
      reply,
      status,
      totpEnrolPage(ctx, {
        secret: view.secret,
        // Inline SVG markup: nothing for img-src or script-src to allow.
        qrSvg: await QRCode.toString(view.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
        csrfToken: reply.generateCsrf(),
        error: view.error,
        fieldErrors: view.fieldErrors,
      }),
    );

  // Turning two-factor on needs a recent sign-in, as changing passkeys does (routes/sign-in
  // REAUTH_SECONDS): a session cookie stolen for a moment must not enrol the attacker's app
  // and take the recovery codes, locking the owner out.
  const signInAgain = (reply: FastifyReply) =>
    html(reply, 401, messagePage(ctx, { title: 'Sign in again', message: 'Sign in again to turn on two-factor authentication: this needs a sign-in of the last few minutes.' }));

  app.get('/account/totp', async (request, reply) => {
    const signedIn = await signedInSession(app, options, request);
    if (!signedIn) return reply.redirect(`${prefix}/login`, 303);
    const { user } = signedIn;
    if (await app.totpService.isEnabled(user.id)) {
      return html(reply, 200, messagePage(ctx, { title: 'Two-factor authentication is on', message: 'Signing in asks for a code from your authenticator app.' }));
    }
    if (!signedIn.recent) return signInAgain(reply);
    // A reload shows the same key, so an app that already scanned it still matches.
    return renderEnrol(reply, 200, (await app.totpService.pending(user)) ?? (await app.totpService.beginEnrolment(user)));
  });

  app.post('/account/totp', { schema: { body: CodeFormSchema }, preHandler: app.csrfProtection }, async (request, reply) => {
    const signedIn = await signedInSession(app, options, request);
    if (!signedIn) return reply.redirect(`${prefix}/login`, 303);
    if (!signedIn.recent) return signInAgain(reply);
    const { user } = signedIn;
    const code = (request.body as { code?: string }).code ?? '';
    try {
      const codes = await app.totpService.confirmEnrolment(user.id, code, request.ip);
      return html(reply, 200, recoveryCodesPage(ctx, { codes }));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      const pending = await app.totpService.pending(user);
      if (!pending) return html(reply, statusFor(error), messagePage(ctx, { title: 'Two-factor authentication', message: error.message }));
      return renderEnrol(reply, statusFor(error), { ...pending, error: error.message, fieldErrors: fieldErrors(error) });
    }
  });
}
