/* CPU cost of the per-request log work, in one process, without HTTP:
     node -r @swc-node/register tools/bench/log-line.ts [dir of libs/logging/src/lib]
   Each call makes the per-request child (Fastify's reqId binding) and writes the
   access line as service-kit's onResponse hook does, into a Writable that counts
   bytes. Prints CPU µs per line, median of 5 × 50,000 after a warm-up. Give the
   lib directory of another checkout (git archive <rev> libs/logging | tar -x -C …)
   to compare two versions; run them alternately, it is noisy on a busy machine. */
import { resolve } from 'node:path';
import { Writable } from 'node:stream';

const dir = resolve(process.argv[2] ?? 'libs/logging/src/lib');
const { createLogger } = require(`${dir}/create-logger`);
const { createFastifyLogger } = require(`${dir}/fastify-logger`);

let bytes = 0;
const destination = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    bytes += chunk.length;
    callback();
  },
});
const log = createFastifyLogger(createLogger({ service: 'api', level: 'info', destination }));
const fields = {
  'http.request.method': 'GET',
  'url.path': '/api/account',
  'http.route': '/api/account',
  'http.response.status_code': 200,
  'event.duration': 1_234_000,
  'client.ip': '127.0.0.1',
  'user_agent.original': 'autocannon',
};

function round(lines: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < lines; i += 1) log.child({ reqId: `req-${i}` }).info(fields, 'request completed');
  const used = process.cpuUsage(start);
  return (used.user + used.system) / lines;
}

round(20_000);
const rounds = Array.from({ length: 5 }, () => round(50_000)).sort((a, b) => a - b);
console.log(
  `${dir}: CPU µs per access line with its child, median of 5 × 50,000: ${rounds[2]?.toFixed(1)} ` +
    `(${rounds[0]?.toFixed(1)}–${rounds[4]?.toFixed(1)}); ${bytes} bytes written`,
);
