import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The headers helmet's middleware sets, recorded once. helmet's output depends
 * only on its options unless a CSP directive is a function of the request (a
 * nonce), which this API does not use and this refuses.
 */
export function helmetHeaders(options: Readonly<HelmetOptions> = {}): Readonly<Record<string, string>> {
  const directives = typeof options.contentSecurityPolicy === 'object' ? options.contentSecurityPolicy.directives : undefined;
  if (directives && Object.values(directives).some((value) => typeof value === 'function' || (Array.isArray(value) && value.some((v) => typeof v === 'function')))) {
    throw new TypeError('per-request CSP directives need @fastify/helmet, not precomputed headers');
  }
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  // helmet's middleware is synchronous: every header is set before next() runs.
  helmet({ ...options })({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return Object.freeze(headers);
}

/**
 * helmet's security headers on every response (OWASP ASVS V3.4), computed once
 * at start-up. @fastify/helmet builds a new helmet middleware, CSP directives
 * parsed again, in two async hooks on every request: 4 % of the API's CPU on
 * GET /api/account (issue #16 profile). The headers go on the reply, so later
 * hooks (swagger-ui's own CSP on /api/docs) still override them, and the SSE
 * route that hijacks the reply copies them from reply.getHeaders().
 */
export default fp<HelmetOptions>(
  async (app, options) => {
    const headers = helmetHeaders(options);
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'security-headers', fastify: '5.x' },
);
