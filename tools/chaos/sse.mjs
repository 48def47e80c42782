// An activity stream held open the way a browser's EventSource holds it
// (WHATWG HTML §9.2 "Server-sent events"): the event-stream parser, the last
// event ID buffer, reconnection after the server's `retry:` delay with a
// Last-Event-ID header. Unlike EventSource it also reconnects after an HTTP
// error (the web app then opens a new source): the chaos suite asks whether
// the stream itself delivers every row, not whether a page can catch up.

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), {
      once: true,
    });
  });

export class ActivityStream {
  /** Every dispatched `activity` event: { sequence, at, connection }. */
  receipts = [];
  /** Every connection attempt: { at, status } or { at, error }. */
  connections = [];
  lastEventId = '';
  #retryMs = 3000;
  #abort = new AbortController();

  /** `headers`: sent on every connection (tools/swarm tags its streams with a user-agent). */
  constructor(base, jar, label, headers = {}) {
    this.base = base;
    this.jar = jar;
    this.label = label;
    this.headers = headers;
  }

  stop() {
    this.#abort.abort();
  }

  async run() {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      // The first connection asks for everything after 0, so a row committed
      // before the stream was subscribed still has to arrive, exactly once.
      const url = `${this.base}/api/activity/stream${this.lastEventId ? '' : '?after=0'}`;
      const headers = {
        ...this.headers,
        accept: 'text/event-stream',
        'cache-control': 'no-cache',
        cookie: this.jar.header(url),
      };
      if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
      const attempt = { at: Date.now() };
      this.connections.push(attempt);
      try {
        const response = await fetch(url, { headers, signal });
        attempt.status = response.status;
        if (
          response.status === 200 &&
          (response.headers.get('content-type') ?? '').startsWith(
            'text/event-stream',
          )
        ) {
          await this.#read(response.body, this.connections.length);
          attempt.closedAt = Date.now();
        } else {
          await response.text().catch(() => undefined);
        }
      } catch (error) {
        if (signal.aborted) break;
        const reason = String(error?.cause?.code ?? error?.name ?? 'ERROR');
        // A stream that was open and then broke had its answer (200); only a connection that got none is an error.
        if (attempt.status === undefined) attempt.error = reason;
        else attempt.droppedWith = reason;
        attempt.closedAt = Date.now();
      }
      await sleep(this.#retryMs, signal);
    }
  }

  async #read(body, connection) {
    const decoder = new TextDecoder();
    let buffer = '';
    let data = '';
    let eventType = '';
    let idBuffer = this.lastEventId;
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(
          newline + (buffer.startsWith('\r\n', newline) ? 2 : 1),
        );
        if (line === '') {
          // Dispatch (§9.2.6): the last event ID string is set even for an empty event.
          this.lastEventId = idBuffer;
          if (data !== '')
            this.#dispatch(
              eventType || 'message',
              data.replace(/\n$/, ''),
              connection,
            );
          data = '';
          eventType = '';
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data += `${value}\n`;
        else if (field === 'event') eventType = value;
        else if (field === 'id' && !value.includes('\0')) idBuffer = value;
        else if (field === 'retry' && /^\d+$/.test(value))
          this.#retryMs = Number(value);
      }
    }
  }

  #dispatch(type, data, connection) {
    if (type !== 'activity') return;
    let sequence;
    try {
      sequence = String(JSON.parse(data).sequence);
    } catch {
      sequence = `unparsable:${data.slice(0, 40)}`;
    }
    this.receipts.push({ sequence, at: Date.now(), connection });
  }
}
