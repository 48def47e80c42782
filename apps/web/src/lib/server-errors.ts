import { ApiError } from './api-error';
import { fieldFromDetail } from './validation';

/**
 * Places an API refusal next to the field it concerns: `details[].field` first,
 * then known codes, else a message for the whole form.
 */
export function mapServerError<F extends string>(
  error: unknown,
  fields: readonly F[],
  byCode: Partial<Record<string, { field: F; message: string }>>,
): Partial<Record<F | 'form', string>> {
  if (!(error instanceof ApiError)) {
    return { form: error instanceof Error ? error.message : 'Something went wrong. Please try again.' } as Partial<
      Record<F | 'form', string>
    >;
  }
  const result: Partial<Record<F | 'form', string>> = {};
  for (const detail of error.details) {
    const field = fieldFromDetail(detail.field) as F;
    if (fields.includes(field) && !result[field]) result[field] = detail.message;
  }
  const known = byCode[error.code];
  if (known && !result[known.field]) result[known.field] = known.message;
  if (Object.keys(result).length === 0) result['form' as F | 'form'] = error.message;
  return result;
}
