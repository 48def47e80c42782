import { Type, type Static } from 'typebox';
import { CurrencySchema, EmailSchema, TimestampSchema, UuidSchema } from '../common';
import {
  HISTORY_PAGE_MAX,
  IDEMPOTENCY_KEY_PATTERN,
  MAX_DEPOSIT_MINOR,
  MAX_TRANSFER_MINOR,
  NOTE_MAX_LENGTH,
} from './limits';

export const UserSummarySchema = Type.Object(
  {
    id: UuidSchema,
    email: EmailSchema,
    displayName: Type.String(),
  },
  { $id: 'UserSummary', additionalProperties: false },
);
export type UserSummary = Static<typeof UserSummarySchema>;

/** GET /api/me: who is signed in (cookie session or Bearer token). */
export const MeResponseSchema = Type.Object(
  {
    user: UserSummarySchema,
    scopes: Type.Array(Type.String()),
  },
  { $id: 'MeResponse', additionalProperties: false },
);
export type MeResponse = Static<typeof MeResponseSchema>;

/** GET /api/account: the caller's account and balance. */
export const AccountSummarySchema = Type.Object(
  {
    accountId: UuidSchema,
    userId: UuidSchema,
    currency: CurrencySchema,
    balance: Type.Integer({ minimum: 0, description: 'Minor units' }),
    updatedAt: TimestampSchema,
  },
  { $id: 'AccountSummary', additionalProperties: false },
);
export type AccountSummary = Static<typeof AccountSummarySchema>;

export const IdempotencyKeyHeaderSchema = Type.Object({
  'idempotency-key': Type.String({ pattern: IDEMPOTENCY_KEY_PATTERN }),
});

/** POST /api/transfers (with an Idempotency-Key header). */
export const TransferRequestSchema = Type.Object(
  {
    recipientEmail: EmailSchema,
    amount: Type.Integer({ minimum: 1, maximum: MAX_TRANSFER_MINOR, description: 'Minor units' }),
    note: Type.Optional(Type.String({ maxLength: NOTE_MAX_LENGTH })),
  },
  { $id: 'TransferRequest', additionalProperties: false },
);
export type TransferRequest = Static<typeof TransferRequestSchema>;

export const TransferResponseSchema = Type.Object(
  {
    transferId: UuidSchema,
    amount: Type.Integer({ minimum: 1 }),
    currency: CurrencySchema,
    recipient: UserSummarySchema,
    note: Type.Optional(Type.String()),
    balanceAfter: Type.Integer({ minimum: 0 }),
    createdAt: TimestampSchema,
  },
  { $id: 'TransferResponse', additionalProperties: false },
);
export type TransferResponse = Static<typeof TransferResponseSchema>;

/** POST /api/deposits (with an Idempotency-Key header): a simulated top-up. */
export const DepositRequestSchema = Type.Object(
  {
    amount: Type.Integer({ minimum: 1, maximum: MAX_DEPOSIT_MINOR, description: 'Minor units' }),
  },
  { $id: 'DepositRequest', additionalProperties: false },
);
export type DepositRequest = Static<typeof DepositRequestSchema>;

export const DepositResponseSchema = Type.Object(
  {
    depositId: UuidSchema,
    amount: Type.Integer({ minimum: 1 }),
    currency: CurrencySchema,
    balanceAfter: Type.Integer({ minimum: 0 }),
    createdAt: TimestampSchema,
  },
  { $id: 'DepositResponse', additionalProperties: false },
);
export type DepositResponse = Static<typeof DepositResponseSchema>;

export const DirectionSchema = Type.Union([Type.Literal('in'), Type.Literal('out')]);
export type Direction = Static<typeof DirectionSchema>;

/** GET /api/history?cursor&limit&direction&from&to */
export const HistoryQuerySchema = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_PAGE_MAX })),
    direction: Type.Optional(DirectionSchema),
    from: Type.Optional(TimestampSchema),
    to: Type.Optional(TimestampSchema),
  },
  { $id: 'HistoryQuery', additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuerySchema>;

/** GET /api/history.csv?direction&from&to: the history view's filters, the whole period at once. */
export const HistoryExportQuerySchema = Type.Object(
  {
    direction: Type.Optional(DirectionSchema),
    from: Type.Optional(TimestampSchema),
    to: Type.Optional(TimestampSchema),
  },
  { $id: 'HistoryExportQuery', additionalProperties: false },
);
export type HistoryExportQuery = Static<typeof HistoryExportQuerySchema>;

export const HistoryEntrySchema = Type.Object(
  {
    id: UuidSchema,
    kind: Type.Union([Type.Literal('transfer'), Type.Literal('deposit')]),
    direction: DirectionSchema,
    amount: Type.Integer({ minimum: 1 }),
    currency: CurrencySchema,
    counterparty: Type.Optional(UserSummarySchema),
    note: Type.Optional(Type.String()),
    balanceAfter: Type.Integer({ minimum: 0 }),
    createdAt: TimestampSchema,
  },
  { $id: 'HistoryEntry', additionalProperties: false },
);
export type HistoryEntry = Static<typeof HistoryEntrySchema>;

export const HistoryPageSchema = Type.Object(
  {
    items: Type.Array(HistoryEntrySchema),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'HistoryPage', additionalProperties: false },
);
export type HistoryPage = Static<typeof HistoryPageSchema>;

/**
 * One message of the live activity stream (GET /api/activity/stream, Server-Sent
 * Events). The SSE `id:` is `sequence`, so a reconnect with Last-Event-ID resumes
 * after it; the SSE `event:` is `activity`.
 */
export const ActivityEventSchema = Type.Object(
  {
    sequence: Type.String({ description: 'Monotonic per user; the SSE id' }),
    entry: HistoryEntrySchema,
    balance: Type.Integer({ minimum: 0, description: 'Balance after this entry' }),
  },
  { $id: 'ActivityEvent', additionalProperties: false },
);
export type ActivityEvent = Static<typeof ActivityEventSchema>;

/** GET /api/activity?after=<sequence>&limit: the per-user activity feed. */
export const ActivityFeedSchema = Type.Object(
  {
    items: Type.Array(ActivityEventSchema),
  },
  { $id: 'ActivityFeed', additionalProperties: false },
);
export type ActivityFeed = Static<typeof ActivityFeedSchema>;
