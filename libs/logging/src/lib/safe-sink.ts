import { Writable } from 'node:stream';

/** What the sink writes to: process.stdout, a file or socket stream, a test's PassThrough. */
export type LogDestination = NodeJS.WritableStream & {
  destroyed?: boolean;
  writableEnded?: boolean;
  writableLength?: number;
};

interface DestinationState {
  broken: boolean;
}

// One error listener per destination, however many loggers share it
// (tests build many apps, each with its own logger, on process.stdout).
const states = new WeakMap<LogDestination, DestinationState>();

function stateOf(destination: LogDestination): DestinationState {
  let state = states.get(destination);
  if (!state) {
    const created: DestinationState = { broken: false };
    // Without a listener an EPIPE (the reader of stdout went away) is an
    // uncaught 'error' event and takes the process down.
    destination.on('error', () => {
      created.broken = true;
    });
    states.set(destination, created);
    state = created;
  }
  return state;
}

export interface SafeSinkOptions {
  /**
   * When the destination already holds this many unflushed bytes, new lines are
   * dropped instead of queued: a stalled log reader must not grow the heap
   * without bound or make requests wait.
   */
  maxBufferedBytes?: number;
}

/**
 * A Writable that hands each chunk to the destination and acknowledges at once.
 * It never applies backpressure to winston, never emits 'error', and drops
 * lines (counting them) when the destination is broken, destroyed or full.
 */
export class SafeSink extends Writable {
  dropped = 0;
  private readonly state: DestinationState;
  private readonly maxBufferedBytes: number;

  constructor(
    private readonly destination: LogDestination,
    options: SafeSinkOptions = {},
  ) {
    super({ decodeStrings: false });
    this.state = stateOf(destination);
    this.maxBufferedBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
  }

  override _write(
    chunk: unknown,
    _encoding: BufferEncoding,
    callback: () => void,
  ): void {
    this.deliver(chunk as string | Uint8Array);
    callback();
  }

  /** The logger's direct path: the same checks as a write, without the Writable's machinery. */
  writeLine(line: string): void {
    this.deliver(line);
  }

  private deliver(chunk: string | Uint8Array): void {
    const destination = this.destination;
    if (
      this.state.broken ||
      destination.destroyed ||
      destination.writableEnded
    ) {
      this.dropped += 1;
      return;
    }
    if ((destination.writableLength ?? 0) > this.maxBufferedBytes) {
      this.dropped += 1;
      return;
    }
    try {
      destination.write(chunk);
    } catch {
      this.state.broken = true;
      this.dropped += 1;
    }
  }
}
