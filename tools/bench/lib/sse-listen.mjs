/* The live-feed listener, in its own process (neither the API's nor the load
   generator's event loop): one activity stream per token, as a browser holds
   it. For every `event: activity` it takes the delay from the entry's createdAt
   (the API stamps it inside the movement's transaction, before the commit, so
   the delay is an upper bound of commit → stream) to the moment the event was
   read here; same machine, same clock. Spec on argv[2]: { url, tokens[], after }:
   events up to sequence `after` (the opening replay) are not live.
   Prints "ready" once every stream is open; on "count" (stdin) one JSON line
   { count } (live events so far), on "stop" one JSON line
   { latenciesMs[], events, duplicates, seen[][] } (live sequences per stream) and exits. */
import { createInterface } from 'node:readline';

const { url, tokens, after } = JSON.parse(process.argv[2]);
const latencies = [];
const seen = tokens.map(() => new Set());
let duplicates = 0;
const abort = new AbortController();

async function listen(index, token, opened) {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (response.status !== 200)
    throw new Error(
      `stream ${index}: HTTP ${response.status} ${await response.text()}`,
    );
  opened();
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    const now = Date.now();
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!frame.startsWith('event: activity')) continue;
      const data = frame.split('\n').find((line) => line.startsWith('data: '));
      if (!data) continue;
      const event = JSON.parse(data.slice(6));
      if (BigInt(event.sequence) <= BigInt(after)) continue;
      if (seen[index].has(event.sequence)) duplicates += 1;
      seen[index].add(event.sequence);
      latencies.push(now - Date.parse(event.entry.createdAt));
    }
  }
}

let open = 0;
const streams = tokens.map((token, i) =>
  listen(i, token, () => {
    open += 1;
    if (open === tokens.length) process.stdout.write('ready\n');
  }).catch((error) => {
    if (!abort.signal.aborted) {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    }
  }),
);

createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line.trim() === 'count')
    process.stdout.write(`${JSON.stringify({ count: latencies.length })}\n`);
  if (line.trim() !== 'stop') return;
  abort.abort();
  await Promise.allSettled(streams);
  process.stdout.write(
    `${JSON.stringify({ latenciesMs: latencies, events: latencies.length, duplicates, seen: seen.map((set) => [...set]) })}\n`,
  );
  process.exit(0);
});
