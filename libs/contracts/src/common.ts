import { Type, type Static } from 'typebox';

export const UuidSchema = Type.String({ format: 'uuid', maxLength: 36 });

/** Emails are compared lower-cased and trimmed; RFC 5321 caps a path at 254 characters. */
export const EmailSchema = Type.String({ format: 'email', minLength: 3, maxLength: 254 });

/** ISO 4217 alphabetic code. */
export const CurrencySchema = Type.String({ pattern: '^[A-Z]{3}$', minLength: 3, maxLength: 3 });

export const DEFAULT_CURRENCY = 'EUR';

/**
 * An amount in integer minor units (cents for EUR). Never a float: bounded well
 * inside Number.MAX_SAFE_INTEGER so arithmetic on sums stays exact.
 */
export const MinorUnitsSchema = Type.Integer({ minimum: 0, maximum: 1_000_000_000_00 });

export const TimestampSchema = Type.String({ format: 'date-time' });

/** The one error shape every Flotilla HTTP service answers with. */
export const ErrorResponseSchema = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.String({ description: 'Stable machine-readable code, e.g. VALIDATION_FAILED' }),
    error: Type.String({ description: 'HTTP reason phrase' }),
    message: Type.String({ description: 'Human-readable explanation, safe to show' }),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(
      Type.Array(
        Type.Object({
          field: Type.String({ description: 'JSON pointer or field name the problem concerns' }),
          message: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'ErrorResponse', additionalProperties: false },
);
export type ErrorResponse = Static<typeof ErrorResponseSchema>;
