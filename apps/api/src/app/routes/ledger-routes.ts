import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import {
  AccountSummarySchema,
  ActivityFeedSchema,
  ActivityQuerySchema,
  DepositRequestSchema,
  DepositResponseSchema,
  ErrorResponseSchema,
  HISTORY_PAGE_DEFAULT,
  HistoryExportQuerySchema,
  HistoryPageSchema,
  HistoryQuerySchema,
  IDEMPOTENCY_KEY_TTL_HOURS,
  IdempotencyKeyHeaderSchema,
  TransferRequestSchema,
  TransferResponseSchema,
} from '@flotilla/contracts';
import type { KitInstance } from '@flotilla/service-kit';
import { isLedgerError } from '../../domain/ledger/errors';
import { toActivityEvent } from '../../domain/ledger/history';
import { exportHistoryCsv, historyCsvFilename } from '../../domain/ledger/history-csv';
import type { IdempotentResult } from '../../domain/ledger/idempotency';
import { toJsonAmount } from '../../domain/ledger/money';
import { principalOf, type Principal } from '../plugins/app/authentication';
import { toHttpError } from '../http-errors';
import { accountFor } from './account-on-demand';

export interface LedgerRoutesOptions {
  /** Money-moving requests per user per minute. */
  moneyRateLimitPerMinute: number;
}

// The messaging lib carries W3C trace ids (32 hex); nginx's $request_id has that shape.
const W3C_TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * The event's metadata for this request: the request id is the correlation id,
 * and also the trace id when it is one, so a request arriving through the
 * gateway shows the same id in the access log, the API log, the message and the
 * consumer's log. Any other id would be replaced by the consumer; the messaging
 * lib then generates the trace id and the request id stays in correlation.id.
 */
function eventMetaOf(requestId: string): { correlationId: string; traceId?: string } {
  return W3C_TRACE_ID.test(requestId) ? { correlationId: requestId, traceId: requestId } : { correlationId: requestId };
}

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, ErrorResponseSchema]));

const IDEMPOTENCY_DOC =
  `Requires an Idempotency-Key header (16–128 of [A-Za-z0-9_-]). A retry with the same key and body returns the first ` +
  `result with \`Idempotent-Replayed: true\`; the same key with another body is refused with 409 IDEMPOTENCY_KEY_REUSED. ` +
  `Keys are remembered for ${IDEMPOTENCY_KEY_TTL_HOURS} hours. A refused request (4xx) records nothing, so it may be retried with the same key.`;

function sendIdempotent<T>(reply: FastifyReply, result: IdempotentResult<T>): T {
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  reply.code(result.status);
  return result.body;
}

/** The ledger's HTTP surface: thin adapters over the use cases. */
export default async function ledgerRoutes(app: KitInstance, options: LedgerRoutesOptions) {
  const read = [app.authenticate, app.requireScopes('ledger:read')];
  const write = [app.authenticate, app.requireScopes('ledger:write')];
  const moneyRateLimit = {
    max: options.moneyRateLimitPerMinute,
    timeWindow: 60_000,
    hook: 'preHandler' as const,
    keyGenerator: (request: { principal: { userId: string } | null; ip: string }) => request.principal?.userId ?? request.ip,
  };

  /**
   * Runs a money movement; if the caller has no account yet (user.registered not
   * consumed), opens it the idempotent way and runs the movement once more. The
   * refused attempt rolled back completely, its Idempotency-Key included.
   */
  async function withAccountOpened<T>(principal: Principal, movement: () => Promise<T>): Promise<T> {
    try {
      return await movement();
    } catch (error) {
      if (!(isLedgerError(error) && error.code === 'ACCOUNT_NOT_READY' && principal.email)) throw error;
      await accountFor(app, principal);
      return movement();
    }
  }

  app.get(
    '/account',
    {
      onRequest: read,
      schema: {
        summary: "The caller's account and balance",
        description: 'Opens the account on first use when the caller presents an email; otherwise 409 ACCOUNT_NOT_READY until user.registered is processed.',
        tags: ['ledger'],
        security: [{ bearerAuth: ['ledger:read'] }, { sessionCookie: [] }],
        response: { 200: AccountSummarySchema, ...errors(401, 403, 409, 503) },
      },
    },
    async (request) => {
      const account = await accountFor(app, principalOf(request));
      return {
        accountId: account.id,
        userId: account.userId,
        currency: account.currency,
        balance: toJsonAmount(account.balance),
        updatedAt: account.updatedAt.toISOString(),
      };
    },
  );

  app.post(
    '/transfers',
    {
      onRequest: write,
      config: { rateLimit: moneyRateLimit },
      schema: {
        summary: 'Send money to another user by email',
        description: IDEMPOTENCY_DOC,
        tags: ['ledger'],
        security: [{ bearerAuth: ['ledger:write'] }, { sessionCookie: [] }],
        headers: IdempotencyKeyHeaderSchema,
        body: TransferRequestSchema,
        response: { 201: TransferResponseSchema, ...errors(400, 401, 403, 404, 409, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      try {
        const result = await withAccountOpened(principal, () =>
          app.ledger.transferFunds({
            userId: principal.userId,
            idempotencyKey: request.headers['idempotency-key'],
            request: request.body,
            meta: eventMetaOf(request.id),
          }),
        );
        app.ledger.metrics.transfers.inc({ outcome: result.replayed ? 'replayed' : 'completed' });
        if (!result.replayed) app.ledger.metrics.transferAmount.observe(result.body.amount);
        return sendIdempotent(reply, result);
      } catch (error) {
        if (isLedgerError(error)) {
          app.ledger.metrics.transfers.inc({ outcome: 'refused' });
          app.ledger.metrics.refusals.inc({ reason: error.code });
        } else {
          app.ledger.metrics.transfers.inc({ outcome: 'failed' });
        }
        throw toHttpError(error);
      }
    },
  );

  app.post(
    '/deposits',
    {
      onRequest: write,
      config: { rateLimit: moneyRateLimit },
      schema: {
        summary: 'Simulated top-up of the caller’s account',
        description: `${IDEMPOTENCY_DOC} Capped per deposit and per UTC day (422 DAILY_DEPOSIT_LIMIT).`,
        tags: ['ledger'],
        security: [{ bearerAuth: ['ledger:write'] }, { sessionCookie: [] }],
        headers: IdempotencyKeyHeaderSchema,
        body: DepositRequestSchema,
        response: { 201: DepositResponseSchema, ...errors(400, 401, 403, 409, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      try {
        const result = await withAccountOpened(principal, () =>
          app.ledger.depositFunds({
            userId: principal.userId,
            idempotencyKey: request.headers['idempotency-key'],
            request: request.body,
            meta: eventMetaOf(request.id),
          }),
        );
        app.ledger.metrics.deposits.inc({ outcome: result.replayed ? 'replayed' : 'completed' });
        if (!result.replayed) app.ledger.metrics.depositAmount.observe(result.body.amount);
        return sendIdempotent(reply, result);
      } catch (error) {
        if (isLedgerError(error)) {
          app.ledger.metrics.deposits.inc({ outcome: 'refused' });
          app.ledger.metrics.refusals.inc({ reason: error.code });
        } else {
          app.ledger.metrics.deposits.inc({ outcome: 'failed' });
        }
        throw toHttpError(error);
      }
    },
  );

  app.get(
    '/history',
    {
      onRequest: read,
      schema: {
        summary: 'Transfers and deposits, newest first, with cursor pagination',
        tags: ['ledger'],
        security: [{ bearerAuth: ['ledger:read'] }, { sessionCookie: [] }],
        querystring: HistoryQuerySchema,
        response: { 200: HistoryPageSchema, ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => {
      try {
        return await app.ledger.readHistory(principalOf(request).userId, request.query);
      } catch (error) {
        throw toHttpError(error);
      }
    },
  );

  app.get(
    '/history.csv',
    {
      onRequest: read,
      schema: {
        summary: 'The history for a period as CSV (RFC 4180), streamed, newest first',
        description:
          'The history view’s filters (direction, from inclusive, to exclusive), without paging: every row of the period. ' +
          'Text cells that a spreadsheet would run as a formula start with an apostrophe (OWASP CSV Injection).',
        tags: ['ledger'],
        security: [{ bearerAuth: ['ledger:read'] }, { sessionCookie: [] }],
        querystring: HistoryExportQuerySchema,
        produces: ['text/csv'],
        // A stream is sent as it is (Fastify skips serialisation); the schema documents it.
        response: { 200: Type.Unsafe<Readable>({ type: 'string', description: 'text/csv: a header row, then one row per entry' }), ...errors(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      const { direction, from, to } = request.query;
      const chunks = await exportHistoryCsv(app.ledger.activity, principalOf(request).userId, {
        ...(direction ? { direction } : {}),
        ...(from ? { from: new Date(from) } : {}),
        ...(to ? { to: new Date(to) } : {}),
      });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${historyCsvFilename(from, to, new Date())}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(chunks));
    },
  );

  app.get(
    '/activity',
    {
      onRequest: read,
      schema: {
        summary: 'The activity feed after a sequence, oldest first (what the live stream replays)',
        tags: ['ledger'],
        security: [{ bearerAuth: ['ledger:read'] }, { sessionCookie: [] }],
        querystring: ActivityQuerySchema,
        response: { 200: ActivityFeedSchema, ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const rows = await app.ledger.activity.listAfter(
        principalOf(request).userId,
        request.query.after ?? '0',
        request.query.limit ?? HISTORY_PAGE_DEFAULT,
      );
      return { items: rows.map(toActivityEvent) };
    },
  );
}
