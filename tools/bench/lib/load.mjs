/* The load generator, always in its own process (the servers never share its
   event loop). It is autocannon's engine, driven from a JSON spec on argv[2]
   because the CLI cannot give each request a fresh Idempotency-Key or rotate
   senders; it prints autocannon's result as one JSON line on stdout.
   Spec: { url, method?, headers?, connections, duration (s), overallRate?,
           ring?: { tokens[], emails[], amount, path } }  (ring: POST sender i → i+1). */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

const spec = JSON.parse(process.argv[2]);
const options = {
  url: spec.url,
  method: spec.method ?? 'GET',
  headers: spec.headers ?? {},
  connections: spec.connections,
  duration: spec.duration,
  ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
};
if (spec.ring) {
  const { tokens, emails, amount } = spec.ring;
  const size = emails.length;
  let n = 0;
  options.requests = [
    {
      setupRequest: (request) => {
        const i = n++ % size;
        return {
          ...request,
          headers: {
            ...options.headers,
            'content-type': 'application/json',
            ...(tokens[i] ? { authorization: `Bearer ${tokens[i]}` } : {}),
            'idempotency-key': randomUUID().replaceAll('-', ''),
          },
          // The raw server has no authentication: it is told the sender in the body.
          body: JSON.stringify({
            ...(spec.ring.body === 'deposit' ? {} : { recipientEmail: emails[(i + 1) % size] }),
            amount,
            ...(spec.ring.senderField ? { sender: spec.ring.senders[i] } : {}),
          }),
        };
      },
    },
  ];
}
autocannon(options, (error, result) => {
  if (error) {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `${JSON.stringify({
      rps: result.requests.average,
      total: result.requests.total,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: result.statusCodeStats,
    })}\n`,
  );
});
