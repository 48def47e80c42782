import { once } from 'node:events';
import { Type } from 'typebox';
import { ActivitySequenceSchema, ErrorResponseSchema } from '@flotilla/contracts';
import { AppError, type KitInstance } from '@flotilla/service-kit';
import { toActivityEvent, type ActivityRecord } from '../../domain/ledger/history';
import { principalOf } from '../plugins/app/authentication';

export interface ActivityStreamOptions {
  heartbeatMs: number;
  /**
   * Most rows one catch-up writes. When a stream is further behind, it ends after
   * them and the client resumes with Last-Event-ID: one slow client never holds a
   * long replay, and the stream never skips ahead.
   */
  replayLimit: number;
  /** Rows a new stream (no Last-Event-ID, no ?after=) opens with, oldest of them first. */
  recentRows: number;
}

const PAGE = 100;

/**
 * GET /api/activity/stream: Server-Sent Events (WHATWG HTML §9.2). Each message
 * is `event: activity`, `id: <sequence>`, `data: <ActivityEvent>`.
 *
 * Each stream keeps its own cursor (the last sequence it wrote) and is the only
 * one that moves it: woken by a broadcast ("this user has new activity"), by a
 * broker reconnect or by its heartbeat, it reads every row after the cursor and
 * writes them in sequence order, one read at a time. A user's rows get their
 * sequence while the movement holds that user's account row lock
 * (repositories/ledger-repository.ts), so they commit in sequence order and a row
 * after the cursor can never appear behind it later.
 */
export default async function activityStreamRoute(app: KitInstance, options: ActivityStreamOptions) {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  const page = Math.max(1, Math.min(PAGE, options.replayLimit));

  app.get(
    '/activity/stream',
    {
      onRequest: [app.authenticate, app.requireScopes('ledger:read')],
      schema: {
        summary: 'Live activity as Server-Sent Events (event: activity, id: sequence, data: ActivityEvent)',
        description:
          `Opens with the last ${options.recentRows} entries, then live ones. Heartbeat comments every ${Math.round(options.heartbeatMs / 1000)} s. ` +
          'Send Last-Event-ID (or ?after= on the first connection) to resume without gaps; a stream far behind ends after ' +
          `${options.replayLimit} entries and resumes the same way. At most ${app.liveUpdates.maxStreamsPerUser} open streams per user (429).`,
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
          429: ErrorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { userId } = principal;
      const raw = reply.raw;
      let cursor: string | undefined = request.headers['last-event-id'] ?? request.query.after;
      let closed = false;
      let running = false;
      let again = false;
      const abort = new AbortController();

      const unsubscribe = app.liveUpdates.subscribe(userId, { wake });
      if (!unsubscribe) {
        reply.header('retry-after', '30');
        throw new AppError(
          429,
          'TOO_MANY_STREAMS',
          `At most ${app.liveUpdates.maxStreamsPerUser} activity streams may be open per user; close one (another tab) first`,
        );
      }

      const end = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        abort.abort();
        unsubscribe();
        open.delete(end);
        if (!raw.destroyed) raw.end();
      };

      /** Writes one chunk; when the socket's buffer is full, waits for it to drain (or the stream to end). */
      const send = async (chunk: string) => {
        if (closed || raw.destroyed || raw.writableEnded) return;
        if (!raw.write(chunk)) await once(raw, 'drain', { signal: abort.signal }).catch(() => undefined);
      };
      const sendRow = (row: ActivityRecord) => {
        const event = toActivityEvent(row);
        return send(`event: activity\nid: ${event.sequence}\ndata: ${JSON.stringify(event)}\n\n`);
      };

      /** Reads and writes everything after the cursor. One run at a time; a wake during a run means one more pass. */
      async function pump(): Promise<void> {
        running = true;
        try {
          let written = 0;
          while (again && !closed) {
            again = false;
            if (cursor === undefined) {
              const recent = await app.ledger.activity.listHistory(userId, { limit: options.recentRows });
              recent.reverse();
              for (const row of recent) {
                if (closed) return;
                await sendRow(row);
              }
              cursor = recent.at(-1)?.sequence ?? '0';
              again = true;
              continue;
            }
            for (;;) {
              const rows = await app.ledger.activity.listAfter(userId, cursor, page);
              for (const row of rows) {
                if (closed) return;
                await sendRow(row);
                cursor = row.sequence;
              }
              written += rows.length;
              if (rows.length < page) break;
              if (written >= options.replayLimit) {
                request.log.debug({ 'activity.cursor': cursor }, 'activity replay limit reached; the client resumes with Last-Event-ID');
                end();
                return;
              }
            }
          }
        } catch (error) {
          request.log.warn({ err: error }, 'activity read failed; the stream ends and the client resumes with Last-Event-ID');
          end();
        } finally {
          running = false;
        }
      }

      function wake() {
        if (closed) return;
        again = true;
        if (!running) void pump();
      }

      /**
       * The request authenticated once, when the stream opened. Each heartbeat checks again (the
       * Bearer token's exp; the session not signed out, idle, ended by a password change or
       * deactivation, without counting as its use) and ends the stream when that no longer holds:
       * the client's reconnect then goes through authentication and gets its 401.
       */
      let checking = false;
      const stillAuthenticated = async () => {
        if (checking) return;
        checking = true;
        try {
          if (!(await app.stillAuthenticated(principal))) {
            request.log.info({ 'auth.via': principal.via }, 'activity stream ended: its authentication no longer holds');
            end();
          }
        } catch (error) {
          request.log.warn({ err: error }, 'activity stream ended: its authentication could not be checked; the client reconnects');
          end();
        } finally {
          checking = false;
        }
      };

      // The heartbeat also wakes the pump: rows committed while the broker was down are written
      // within one heartbeat even when no further notification comes.
      const heartbeat = setInterval(() => {
        if (closed) return;
        void stillAuthenticated().then(() => {
          if (closed) return;
          if (!raw.writableNeedDrain) raw.write(': heartbeat\n\n');
          wake();
        });
      }, options.heartbeatMs);
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
      wake();
    },
  );
}
