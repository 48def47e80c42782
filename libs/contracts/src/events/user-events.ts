import { Type } from 'typebox';
import { EmailSchema, TimestampSchema, UuidSchema } from '../common';
import { defineEvent } from './define-event';

/** Published by auth when an account is created; the ledger opens an account for it. */
export const userRegisteredEvent = defineEvent(
  'user.registered',
  1,
  Type.Object(
    {
      userId: UuidSchema,
      email: EmailSchema,
      displayName: Type.String({ minLength: 1, maxLength: 100 }),
      registeredAt: TimestampSchema,
    },
    { additionalProperties: false },
  ),
);

/** Published by auth when an account is deactivated; the ledger freezes it. */
export const userDeactivatedEvent = defineEvent(
  'user.deactivated',
  1,
  Type.Object(
    {
      userId: UuidSchema,
      deactivatedAt: TimestampSchema,
    },
    { additionalProperties: false },
  ),
);
