import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import helmet from 'helmet';
import securityHeaders, { helmetHeaders } from './security-headers';

/** What helmet itself puts on a real node:http response. */
async function headersFromHelmetMiddleware(options: Parameters<typeof helmet>[0] = {}): Promise<Record<string, string>> {
  const middleware = helmet(options);
  const server = http.createServer((req, res) => middleware(req, res, () => res.end('{}')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const skip = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
    return Object.fromEntries([...response.headers].filter(([name]) => !skip.has(name)));
  } finally {
    server.close();
  }
}

describe('security headers', () => {
  it('when computed once, then they are exactly the headers helmet sets on a response', async () => {
    expect(helmetHeaders()).toEqual(await headersFromHelmetMiddleware());
    const custom = { contentSecurityPolicy: { directives: { defaultSrc: ["'none'"] } }, strictTransportSecurity: false } as const;
    expect(helmetHeaders(custom)).toEqual(await headersFromHelmetMiddleware(custom));
  });

  it('when a CSP directive depends on the request, then precomputing is refused', () => {
    expect(() => helmetHeaders({ contentSecurityPolicy: { directives: { scriptSrc: [() => "'nonce-x'"] } } })).toThrow(TypeError);
  });

  it('when a route answers, then its response carries every header and a later hook may still override one', async () => {
    const app = Fastify();
    await app.register(securityHeaders);
    app.get('/json', async () => ({ ok: true }));
    app.get('/docs', async (_request, reply) => reply.header('content-security-policy', "default-src 'self'").send('docs'));
    const json = await app.inject({ method: 'GET', url: '/json' });
    for (const [name, value] of Object.entries(helmetHeaders())) expect(json.headers[name]).toBe(value);
    const docs = await app.inject({ method: 'GET', url: '/docs' });
    expect(docs.headers['content-security-policy']).toBe("default-src 'self'");
    expect(docs.headers['x-content-type-options']).toBe('nosniff');
    await app.close();
  });
});
