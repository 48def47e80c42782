import { Type, type Static } from 'typebox';
import { HISTORY_PAGE_MAX } from './limits';

/**
 * A pattern for the decimal integers 0..max, no leading zeros: every shorter
 * length, then, digit by digit, the numbers of max's length that are smaller.
 */
export function decimalUpToPattern(max: string): string {
  const n = max.length;
  const alternatives = ['0'];
  if (n > 1) alternatives.push(n > 2 ? `[1-9][0-9]{0,${n - 2}}` : '[1-9]');
  for (let i = 0; i < n; i += 1) {
    const digit = Number(max[i]);
    const lowest = i === 0 && n > 1 ? 1 : 0;
    if (digit > lowest) alternatives.push(`${max.slice(0, i)}[${lowest}-${digit - 1}][0-9]{${n - i - 1}}`);
  }
  alternatives.push(max);
  return `^(${alternatives.join('|')})$`;
}

/** PostgreSQL's bigint (int8) upper bound: activity sequences are bigserial. */
export const ACTIVITY_SEQUENCE_MAX = '9223372036854775807';

/**
 * An activity sequence: a non-negative int8 in decimal, as the SSE id carries it.
 * The pattern itself refuses values past int8, so they get 400, never a database error.
 */
export const ActivitySequenceSchema = Type.String({ pattern: decimalUpToPattern(ACTIVITY_SEQUENCE_MAX), maxLength: 19 });

/** GET /api/activity?after=<sequence>&limit: entries strictly after `after`, oldest first. */
export const ActivityQuerySchema = Type.Object(
  {
    after: Type.Optional(ActivitySequenceSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_PAGE_MAX })),
  },
  { $id: 'ActivityQuery', additionalProperties: false },
);
export type ActivityQuery = Static<typeof ActivityQuerySchema>;
