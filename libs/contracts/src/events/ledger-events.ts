import { Type } from 'typebox';
import { CurrencySchema, TimestampSchema, UuidSchema } from '../common';
import { defineEvent } from './define-event';
import { NOTE_MAX_LENGTH } from '../ledger/limits';

const PositiveMinorUnits = Type.Integer({ minimum: 1, maximum: 1_000_000_000_00 });

export const transferCompletedEvent = defineEvent(
  'transfer.completed',
  1,
  Type.Object(
    {
      transferId: UuidSchema,
      fromUserId: UuidSchema,
      toUserId: UuidSchema,
      fromAccountId: UuidSchema,
      toAccountId: UuidSchema,
      amount: PositiveMinorUnits,
      currency: CurrencySchema,
      note: Type.Optional(Type.String({ maxLength: NOTE_MAX_LENGTH })),
      /** Balances right after the transfer, so live views update without a refetch. */
      fromBalanceAfter: Type.Integer({ minimum: 0 }),
      toBalanceAfter: Type.Integer({ minimum: 0 }),
      completedAt: TimestampSchema,
    },
    { additionalProperties: false },
  ),
);

export const depositCompletedEvent = defineEvent(
  'deposit.completed',
  1,
  Type.Object(
    {
      depositId: UuidSchema,
      userId: UuidSchema,
      accountId: UuidSchema,
      amount: PositiveMinorUnits,
      currency: CurrencySchema,
      balanceAfter: Type.Integer({ minimum: 0 }),
      completedAt: TimestampSchema,
    },
    { additionalProperties: false },
  ),
);
