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

/**
 * Published by auth when a password is changed by its owner or reset by email.
 * Every other provider session has ended and every refresh family is revoked;
 * consumers end the user's own sessions too (the API ends its BFF sessions).
 */
export const userPasswordChangedEvent = defineEvent(
  'user.password_changed',
  1,
  Type.Object(
    {
      userId: UuidSchema,
      changedAt: TimestampSchema,
      reason: Type.Union([Type.Literal('changed'), Type.Literal('reset')]),
    },
    { additionalProperties: false },
  ),
);

/**
 * Published by auth when a provider session ends by sign-out (its own logout or
 * RP-initiated logout): the refresh families granted in that session are revoked.
 * Consumers that hold the user's tokens re-check them with the provider: the
 * API refreshes each of the user's BFF sessions before its next use, and ends
 * those whose refresh is refused (issue 12, item 10).
 */
export const userSignedOutEvent = defineEvent(
  'user.signed_out',
  1,
  Type.Object(
    {
      userId: UuidSchema,
      signedOutAt: TimestampSchema,
    },
    { additionalProperties: false },
  ),
);

/** Published by auth when a second factor is turned on or off (ASVS 5.0 6.3.3 changes are notified). */
export const userMfaChangedEvent = defineEvent(
  'user.mfa_changed',
  1,
  Type.Object(
    {
      userId: UuidSchema,
      method: Type.Union([Type.Literal('totp'), Type.Literal('webauthn')]),
      enabled: Type.Boolean(),
      changedAt: TimestampSchema,
    },
    { additionalProperties: false },
  ),
);
