// The mail catcher's healthcheck (the image's HEALTHCHECK, node only: the
// base image has no curl or wget). Healthy means both halves answer:
//   - SMTP: a TCP connection on $MAILDEV_SMTP_PORT gets the "220" greeting
//     (RFC 5321 §4.2: the server's first reply), then QUIT;
//   - web/REST API: GET /api/healthz on $MAILDEV_WEB_PORT returns 200 `true`.
// Exits 0 when both do within HEALTHCHECK_TIMEOUT_MS (default 2500 ms; keep it
// under the compose healthcheck's timeout), 1 otherwise (the reason on stderr).
import net from 'node:net';

const host = process.env.HEALTHCHECK_HOST ?? '127.0.0.1';
const smtpPort = Number(process.env.MAILDEV_SMTP_PORT ?? 1025);
const webPort = Number(process.env.MAILDEV_WEB_PORT ?? 1080);
const deadline = AbortSignal.timeout(Number(process.env.HEALTHCHECK_TIMEOUT_MS ?? 2500));

function smtpGreeting() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: smtpPort, signal: deadline });
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      reply += chunk;
      if (!reply.includes('\n')) return;
      socket.end('QUIT\r\n');
      if (reply.startsWith('220')) resolve();
      else reject(new Error(`SMTP greeting was ${JSON.stringify(reply.trim())}`));
    });
    socket.on('error', reject);
    socket.on('end', () => reject(new Error('SMTP closed before its greeting')));
  });
}

async function webHealth() {
  const res = await fetch(`http://${host}:${webPort}/api/healthz`, { signal: deadline });
  const body = (await res.text()).trim();
  if (!res.ok || body !== 'true') throw new Error(`GET /api/healthz: ${res.status} ${body.slice(0, 80)}`);
}

try {
  await Promise.all([smtpGreeting(), webHealth()]);
  process.exit(0);
} catch (err) {
  console.error(`mailcatcher unhealthy: ${err.message}`);
  process.exit(1);
}
