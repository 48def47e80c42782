import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { repoPath } from './support';

/*
 * docker/mailcatcher/healthcheck.mjs (the image's HEALTHCHECK) against
 * stand-ins for MailDev's two halves: healthy only when the SMTP port greets
 * with 220 and GET /api/healthz answers 200 `true`; each half failing alone
 * makes it fail.
 */
const listen = (server: TcpServer | HttpServer) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: TcpServer | HttpServer) => new Promise<void>((resolve) => server.close(() => resolve()));
const probe = (smtp: number, web: number) =>
  new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile('node', [repoPath('docker/mailcatcher/healthcheck.mjs')], { env: { ...process.env, MAILDEV_SMTP_PORT: String(smtp), MAILDEV_WEB_PORT: String(web) } }, (error, _out, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    ),
  );

function smtpServer(greeting: string) {
  return createTcpServer((socket) => {
    socket.write(`${greeting}\r\n`);
    socket.on('data', () => socket.end('221 bye\r\n'));
    socket.on('error', () => undefined);
  });
}
function webServer(status: number, body: string) {
  return createHttpServer((req, res) => {
    if (req.url === '/api/healthz') res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    else res.writeHead(404).end();
  });
}

describe('mail catcher healthcheck', () => {
  const servers: (TcpServer | HttpServer)[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
  });
  const start = async (server: TcpServer | HttpServer) => {
    servers.push(server);
    return listen(server);
  };

  it('when SMTP greets and the API is healthy, then it passes', async () => {
    const smtp = await start(smtpServer('220 maildev ESMTP'));
    const web = await start(webServer(200, 'true'));
    expect(await probe(smtp, web)).toMatchObject({ code: 0 });
  });

  it('when SMTP is down, or greets with an error, then it fails', async () => {
    const web = await start(webServer(200, 'true'));
    const closedPort = await start(createTcpServer());
    await close(servers.pop() as TcpServer);
    expect((await probe(closedPort, web)).code).toBe(1);
    const busy = await start(smtpServer('421 too busy'));
    const result = await probe(busy, web);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('421');
  });

  it('when the web API is down or unhealthy, then it fails', async () => {
    const smtp = await start(smtpServer('220 maildev ESMTP'));
    const sick = await start(webServer(503, 'false'));
    expect((await probe(smtp, sick)).code).toBe(1);
    const closedPort = await start(createTcpServer());
    await close(servers.pop() as TcpServer);
    expect((await probe(smtp, closedPort)).code).toBe(1);
  });
});
