/**
 * jsdom has no EventSource. This stand-in follows the parts of the WHATWG
 * interface the app uses, and lets a test play the server: open the stream,
 * push events, drop or close the connection.
 */
export class MockEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: MockEventSource[] = [];

  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readonly url: string;
  readonly withCredentials: boolean;
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(url: string | URL, init?: EventSourceInit) {
    super();
    this.url = String(url);
    this.withCredentials = init?.withCredentials ?? false;
    MockEventSource.instances.push(this);
  }

  static latest(): MockEventSource {
    const source = MockEventSource.instances[MockEventSource.instances.length - 1];
    if (!source) throw new Error('No EventSource was opened');
    return source;
  }

  static reset(): void {
    MockEventSource.instances = [];
  }

  open(): void {
    this.readyState = MockEventSource.OPEN;
    this.dispatch(new Event('open'));
  }

  emit(type: string, data: unknown, lastEventId = ''): void {
    const event = new MessageEvent(type, { data: typeof data === 'string' ? data : JSON.stringify(data), lastEventId });
    this.dispatch(event);
  }

  /** A dropped connection the browser will retry by itself. */
  drop(): void {
    this.readyState = MockEventSource.CONNECTING;
    this.dispatch(new Event('error'));
  }

  /** A failure the browser gives up on (an HTTP error status, a wrong content type). */
  fail(): void {
    this.readyState = MockEventSource.CLOSED;
    this.dispatch(new Event('error'));
  }

  close(): void {
    this.readyState = MockEventSource.CLOSED;
  }

  private dispatch(event: Event): void {
    if (this.readyState === MockEventSource.CLOSED && event.type !== 'error') return;
    this.dispatchEvent(event);
    const handler = event.type === 'open' ? this.onopen : event.type === 'message' ? this.onmessage : event.type === 'error' ? this.onerror : null;
    (handler as ((event: Event) => void) | null)?.call(this, event);
  }
}
