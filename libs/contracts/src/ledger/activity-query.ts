import { Type, type Static } from 'typebox';
import { HISTORY_PAGE_MAX } from './limits';

/** An activity sequence: a non-negative bigint in decimal, as the SSE id carries it. */
export const ActivitySequenceSchema = Type.String({ pattern: '^(0|[1-9][0-9]{0,18})$', maxLength: 19 });

/** GET /api/activity?after=<sequence>&limit: entries strictly after `after`, oldest first. */
export const ActivityQuerySchema = Type.Object(
  {
    after: Type.Optional(ActivitySequenceSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_PAGE_MAX })),
  },
  { $id: 'ActivityQuery', additionalProperties: false },
);
export type ActivityQuery = Static<typeof ActivityQuerySchema>;
