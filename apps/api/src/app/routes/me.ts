import { ErrorResponseSchema, MeResponseSchema } from '@flotilla/contracts';
import type { KitInstance } from '@flotilla/service-kit';
import { principalOf } from '../plugins/app/authentication';
import { accountFor } from './account-on-demand';

export interface MeRouteOptions {
  /** Re-issues the CSRF cookie for a session caller (the SPA calls /api/me on load). */
  csrfCookieFor?: (sessionIdHash: string) => { name: string; value: string; options: Record<string, unknown> };
}

export default async function meRoute(app: KitInstance, options: MeRouteOptions) {
  app.get(
    '/me',
    {
      onRequest: [app.authenticate],
      schema: {
        summary: 'Who is signed in, and with which scopes',
        tags: ['auth'],
        security: [{ bearerAuth: [] }, { sessionCookie: [] }],
        response: { 200: MeResponseSchema, 401: ErrorResponseSchema, 409: ErrorResponseSchema, 503: ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.via === 'session' && principal.sessionId && options.csrfCookieFor) {
        const cookie = options.csrfCookieFor(principal.sessionId);
        reply.setCookie(cookie.name, cookie.value, cookie.options);
      }
      if (principal.email) {
        return {
          user: { id: principal.userId, email: principal.email, displayName: principal.displayName ?? principal.email },
          scopes: [...principal.scopes],
        };
      }
      const account = await accountFor(app, principal);
      return { user: { id: principal.userId, email: account.email, displayName: account.displayName }, scopes: [...principal.scopes] };
    },
  );
}
