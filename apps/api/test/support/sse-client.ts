import http from 'node:http';

export interface SseMessage {
  event?: string;
  id?: string;
  data: string;
}

export interface SseConnection {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Resolves with the first message (comments included as event "comment") that matches. */
  next(match: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Resolves when the server ends the stream (or the connection drops). */
  ended: Promise<void>;
  close(): void;
}

/** A minimal EventSource over node:http, so tests can read a real stream from a listening app. */
export function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      const received: SseMessage[] = [];
      const waiters: { match: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }[] = [];
      let buffer = '';
      const ended = new Promise<void>((resolveEnded) => {
        response.on('end', () => resolveEnded());
        response.on('close', () => resolveEnded());
      });
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = { data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) message.event = 'comment';
            else if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('id: ')) message.id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          message.data = data.join('\n');
          const waiter = waiters.find((w) => w.match(message));
          if (waiter) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(message);
          } else {
            received.push(message);
          }
        }
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        ended,
        next(match, timeoutMs = 10_000) {
          const already = received.find(match);
          if (already) {
            received.splice(received.indexOf(already), 1);
            return Promise.resolve(already);
          }
          return new Promise((resolveMessage, rejectMessage) => {
            const timer = setTimeout(() => rejectMessage(new Error(`no matching SSE message within ${timeoutMs} ms`)), timeoutMs);
            waiters.push({
              match,
              resolve: (message) => {
                clearTimeout(timer);
                resolveMessage(message);
              },
            });
          });
        },
        close() {
          request.destroy();
        },
      });
    });
    request.on('error', reject);
  });
}
