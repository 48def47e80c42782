// The checks of trace-check.sh, on the logs and rows it collected.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines as readJsonLines } from './json-lines.mjs';

const dir = process.argv[2];
const jsonLines = (file) => readJsonLines(join(dir, file));

const gateway = jsonLines('gateway.log');
const api = jsonLines('api.log');
// outbox.txt: "<traceId>|<traceparent>" per transfer.completed row
const outboxRows = readFileSync(join(dir, 'outbox.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean).map((line) => line.split('|'));
const outboxIds = new Set(outboxRows.map(([id]) => id));
const outboxParents = new Map(outboxRows.map(([id, parent]) => [id, parent ?? '']));

let passed = 0;
let failed = 0;
const check = (label, ok) => {
  console.log(`${ok ? 'ok' : 'FAILED'}: ${label}`);
  if (ok) passed += 1;
  else failed += 1;
};

const transfers = gateway.filter((e) => e.method === 'POST' && e.uri === '/api/transfers' && e.status === 201);
check(`the gateway logged the journey's transfers with request ids (${transfers.length})`, transfers.length > 0 && transfers.every((e) => e.request_id));
// The browser sends no traceparent: the gateway starts the trace from its request id (docker/nginx/nginx.conf).
check(
  'the gateway started a W3C trace for each, its trace_id being the request id',
  transfers.length > 0 && transfers.every((e) => /^[0-9a-f]{32}$/.test(e.trace_id ?? '') && e.trace_id === e.request_id),
);

// trace.id is the trace the api continued from the gateway's traceparent; http.request.id the gateway's X-Request-Id.
const requestLine = (e) =>
  api.find((l) => l['trace.id'] === e.trace_id && l['http.request.id'] === e.request_id && String(l['url.path'] ?? '').startsWith('/api/transfers'));
check("the api logged each of them under the gateway's trace id, with its request id", transfers.length > 0 && transfers.every(requestLine));

// Replays (same Idempotency-Key) answer from the first result and publish nothing.
const published = transfers.map((e) => e.trace_id).filter((id) => outboxIds.has(id));
check(`the outbox rows carry the trace id in their headers (${published.length} of ${transfers.length})`, published.length > 0);
check(
  'each of those rows stored the W3C trace context of the request (traceparent with the same trace id)',
  published.length > 0 && published.every((id) => outboxParents.get(id)?.startsWith(`00-${id}-`)),
);

const consumed = (id) => api.some((e) => e['trace.id'] === id && e.message === 'live update handled');
check("the consumer logged each published one under the trace id of the message's traceparent", published.length > 0 && published.every(consumed));

if (published[0]) console.log(`followed, e.g.: ${published[0]}`);
console.log(`trace-checks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
