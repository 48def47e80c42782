import { Type } from 'typebox';
import type { ActivityEvent } from '@flotilla/contracts';
import { ActivitySequenceSchema, ErrorResponseSchema } from '@flotilla/contracts';
import type { KitInstance } from '@flotilla/service-kit';
import { toActivityEvent } from '../../domain/ledger/history';
import { principalOf } from '../plugins/app/authentication';

export interface ActivityStreamOptions {
  heartbeatMs: number;
  /** Most rows replayed after a Last-Event-ID; older gaps are left to GET /api/activity. */
  replayLimit: number;
}

const REPLAY_PAGE = 100;

/**
 * GET /api/activity/stream: Server-Sent Events (WHATWG HTML §9.2). Each message
 * is `event: activity`, `id: <sequence>`, `data: <ActivityEvent>`. A reconnect
 * with Last-Event-ID first replays the feed after that id, then goes live;
 * events arriving during the replay are held back and de-duplicated by sequence.
 */
export default async function activityStreamRoute(app: KitInstance, options: ActivityStreamOptions) {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get(
    '/activity/stream',
    {
      onRequest: [app.authenticate, app.requireScopes('ledger:read')],
      schema: {
        summary: 'Live activity as Server-Sent Events (event: activity, id: sequence, data: ActivityEvent)',
        description: `Heartbeat comments every ${Math.round(options.heartbeatMs / 1000)} s. Send Last-Event-ID (or ?after= on the first connection) to resume without gaps.`,
        tags: ['ledger'],
        security: [{ bearerAuth: ['ledger:read'] }, { sessionCookie: [] }],
        headers: Type.Object({ 'last-event-id': Type.Optional(ActivitySequenceSchema) }),
        // EventSource cannot set headers on its first connection: a page that has just read the
        // feed up to sequence N opens the stream with ?after=N; Last-Event-ID (reconnects) wins.
        querystring: Type.Object({ after: Type.Optional(ActivitySequenceSchema) }, { additionalProperties: false }),
        produces: ['text/event-stream'],
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: Type.String() } } },
          400: ErrorResponseSchema,
          401: ErrorResponseSchema,
          403: ErrorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const { userId } = principalOf(request);
      const raw = reply.raw;
      const resumeFrom = request.headers['last-event-id'] ?? request.query.after;
      let lastSent = resumeFrom ? BigInt(resumeFrom) : undefined;
      let replaying = lastSent !== undefined;
      const held: ActivityEvent[] = [];
      let closed = false;

      const write = (event: ActivityEvent) => {
        const sequence = BigInt(event.sequence);
        if (lastSent !== undefined && sequence <= lastSent) return;
        lastSent = sequence;
        raw.write(`event: activity\nid: ${event.sequence}\ndata: ${JSON.stringify(event)}\n\n`);
      };
      const unsubscribe = app.liveUpdates.subscribe(userId, {
        send(event) {
          if (closed) return;
          if (replaying) held.push(event);
          else write(event);
        },
      });
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), options.heartbeatMs);
      const end = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        raw.end();
      };
      open.add(end);
      raw.on('close', end);

      reply.hijack();
      // Headers set by earlier hooks (helmet, request id) live on the reply; hijacking bypasses onSend.
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 3000\n\n');

      if (replaying && lastSent !== undefined) {
        try {
          let after = lastSent.toString();
          for (let replayed = 0; replayed < options.replayLimit && !closed; ) {
            const rows = await app.ledger.activity.listAfter(userId, after, REPLAY_PAGE);
            for (const row of rows) write(toActivityEvent(row));
            replayed += rows.length;
            if (rows.length < REPLAY_PAGE) break;
            after = rows[rows.length - 1]?.sequence ?? after;
          }
        } catch (error) {
          request.log.warn({ err: error }, 'activity replay failed; the client will reconnect');
          end();
          return;
        }
        replaying = false;
        for (const event of held.splice(0)) write(event);
      }
    },
  );
}
