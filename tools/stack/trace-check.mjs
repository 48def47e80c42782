// The checks of trace-check.sh, on the logs and rows it collected.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const jsonLines = (file) =>
  readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .map((line) => {
      const start = line.indexOf('{');
      if (start < 0) return undefined;
      try {
        return JSON.parse(line.slice(start));
      } catch {
        return undefined;
      }
    })
    .filter(Boolean);

const gateway = jsonLines('gateway.log');
const api = jsonLines('api.log');
const outboxIds = new Set(readFileSync(join(dir, 'outbox.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean));

let passed = 0;
let failed = 0;
const check = (label, ok) => {
  console.log(`${ok ? 'ok' : 'FAILED'}: ${label}`);
  if (ok) passed += 1;
  else failed += 1;
};

const transfers = gateway.filter((e) => e.method === 'POST' && e.uri === '/api/transfers' && e.status === 201);
check(`the gateway logged the journey's transfers with request ids (${transfers.length})`, transfers.length > 0 && transfers.every((e) => e.request_id));

const requestLine = (id) => api.find((e) => e['trace.id'] === id && String(e['url.path'] ?? '').startsWith('/api/transfers'));
check('the api logged each of them with the same id as trace.id', transfers.length > 0 && transfers.every((e) => requestLine(e.request_id)));

// Replays (same Idempotency-Key) answer from the first result and publish nothing.
const published = transfers.map((e) => e.request_id).filter((id) => outboxIds.has(id));
check(`the outbox rows carry the id in their headers (${published.length} of ${transfers.length})`, published.length > 0);

const consumed = (id) => api.some((e) => e['trace.id'] === id && e.message === 'live update handled');
check('the consumer logged each published one with the id from the AMQP x-trace-id header', published.length > 0 && published.every(consumed));

if (published[0]) console.log(`followed, e.g.: ${published[0]}`);
console.log(`trace-checks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
