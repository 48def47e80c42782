import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { HostCookie } from '@flotilla/service-kit';

/**
 * The pages' CSP. `formTargets` are extra origins a form submission may end up at:
 * Chromium applies form-action to the redirects that follow a POST, and signing in
 * ends in a redirect to the client's redirect_uri.
 */
export function contentSecurityPolicy(formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    // The passkey buttons' bundled script and its fetch() calls; nothing inline.
    "script-src 'self'",
    "connect-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `form-action 'self'${formTargets.map((o) => ` ${o}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export interface SecurityPluginOptions {
  /** Signs the CSRF secret cookie. */
  cookieSecret: string;
  /** Name, path and Secure flag of the CSRF secret's cookie (`__Host-` when secure). */
  csrfCookie: HostCookie;
  /** Send Strict-Transport-Security: only when the public URL is https. */
  hsts: boolean;
}

/**
 * Browser-facing hardening (ASVS 5.0 V3): strict CSP with frame-ancestors 'none',
 * nosniff, no-referrer, HSTS over TLS; form bodies; cookies; CSRF tokens
 * (synchroniser token in a signed, httpOnly, SameSite=Strict cookie).
 */
export default fp<SecurityPluginOptions>(
  async (app, options) => {
    await app.register(formbody, { bodyLimit: 16 * 1024 });
    // Opt-in per route (config.rateLimit); login has its own database-backed throttle.
    await app.register(rateLimit, { global: false });
    await app.register(cookie, { secret: options.cookieSecret, hook: 'onRequest' });
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: options.csrfCookie.name,
      cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', secure: options.csrfCookie.secure, path: options.csrfCookie.path },
    });
    await app.register(helmet, {
      // Set here rather than through helmet's directives so routes can extend form-action.
      contentSecurityPolicy: false,
      hsts: options.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'no-referrer' },
      // For browsers without CSP frame-ancestors.
      xFrameOptions: { action: 'deny' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      crossOriginEmbedderPolicy: false,
    });
    const policy = contentSecurityPolicy();
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('content-security-policy', policy);
    });
  },
  { name: 'security', fastify: '5.x' },
);
