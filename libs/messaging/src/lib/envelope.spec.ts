import { createEnvelope, decodeMessage, publishOptions, republishOptions, truncateError, type IncomingMessage } from './envelope';

const event = { name: 'transfer.completed', version: 2 };

function incoming(overrides: Partial<IncomingMessage['properties']> = {}, content = '{"a":1}'): IncomingMessage {
  return {
    content: Buffer.from(content),
    fields: { redelivered: false, routingKey: event.name },
    properties: {
      messageId: 'm-1',
      correlationId: 'c-1',
      type: event.name,
      headers: { 'x-event-name': event.name, 'x-event-version': 2, 'x-trace-id': '0af7651916cd43dd8448eb211c80319c' },
      ...overrides,
    },
  };
}

describe('envelope', () => {
  it('when no ids are given, then a message id, a correlation id equal to it and a W3C trace id are made', () => {
    const envelope = createEnvelope(event, {});
    expect(envelope.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(envelope.correlationId).toBe(envelope.messageId);
    expect(envelope.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('when the trace id is not W3C, then a fresh one replaces it', () => {
    expect(createEnvelope(event, {}, { traceId: 'not-a-trace' }).traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('when publish options are built, then they are persistent JSON with ids, type, timestamp and event headers', () => {
    const envelope = createEnvelope(event, {}, { messageId: 'm-1', correlationId: 'c-1', occurredAt: new Date('2026-11-27T12:00:00.900Z') });
    expect(publishOptions(envelope, 'ledger')).toEqual({
      persistent: true,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      messageId: 'm-1',
      correlationId: 'c-1',
      type: 'transfer.completed',
      timestamp: 1795780800,
      appId: 'ledger',
      headers: {
        'x-trace-id': envelope.traceId,
        traceparent: expect.stringMatching(new RegExp(`^00-${envelope.traceId}-[0-9a-f]{16}-01$`)),
        'x-event-name': 'transfer.completed',
        'x-event-version': 2,
      },
    });
  });

  it('when a trace context is given, then its trace id is the message trace id and both travel as headers', () => {
    const traceContext = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'vendor=1' };
    const envelope = createEnvelope(event, {}, { traceId: '0af7651916cd43dd8448eb211c80319c', traceContext });
    expect(envelope.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(publishOptions(envelope).headers).toMatchObject({ 'x-trace-id': envelope.traceId, ...traceContext });
  });

  it('when the given trace context is malformed, then the trace id is kept under a fresh parent', () => {
    const envelope = createEnvelope(event, {}, { traceId: '0af7651916cd43dd8448eb211c80319c', traceContext: { traceparent: '00-zz-00-01' } });
    expect(envelope.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(envelope.traceContext.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });
});

describe('decoding a delivery', () => {
  it('when the message is well formed, then ids, event and attempts are read', () => {
    expect(decodeMessage(incoming({ headers: { ...incoming().properties.headers, 'x-attempts': 2 } }))).toEqual({
      ok: true,
      messageId: 'm-1',
      correlationId: 'c-1',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      eventName: event.name,
      eventVersion: 2,
      previousAttempts: 2,
      payload: { a: 1 },
    });
  });

  it('when a traceparent header is present, then its trace id wins over x-trace-id', () => {
    const headers = { ...incoming().properties.headers, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    expect(decodeMessage(incoming({ headers }))).toMatchObject({ ok: true, traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
  });

  it('when the body is not JSON, then it is poison with the reason', () => {
    expect(decodeMessage(incoming({}, 'not json'))).toMatchObject({ ok: false, messageId: 'm-1', reason: expect.stringMatching(/not JSON/) });
  });

  it('when the message id or version is missing, then it is poison', () => {
    expect(decodeMessage(incoming({ messageId: undefined }))).toMatchObject({ ok: false, reason: expect.stringMatching(/messageId/) });
    expect(decodeMessage(incoming({ headers: { 'x-event-name': event.name } }))).toMatchObject({ ok: false, reason: expect.stringMatching(/version/) });
  });
});

describe('republishing', () => {
  it('when a message is copied to a retry queue, then its ids stay and the broker-managed headers go', () => {
    const msg = incoming({ headers: { 'x-event-name': event.name, 'x-death': [{ count: 1 }], 'x-delivery-count': 3 } });
    expect(republishOptions(msg, { 'x-attempts': 1 })).toEqual({
      messageId: 'm-1',
      correlationId: 'c-1',
      type: event.name,
      persistent: true,
      headers: { 'x-event-name': event.name, 'x-attempts': 1 },
    });
  });

  it('when an error is long, then its header value is bounded', () => {
    expect(truncateError(new Error('x'.repeat(5000)), 100)).toHaveLength(100);
    expect(truncateError(new TypeError('boom'))).toBe('TypeError: boom');
  });
});
