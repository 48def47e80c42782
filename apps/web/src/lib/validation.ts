import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

export interface SchemaIssue {
  /** Top-level property the problem concerns ('' for the object itself). */
  field: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** Runs the contract schema (the same one the API enforces) and lists problems by field. */
export function schemaIssues(schema: TSchema, value: unknown): SchemaIssue[] {
  return [...Value.Errors(schema, value)].map((error) => ({
    field: error.keyword === 'required' ? requiredField(error.params) : (error.instancePath.split('/')[1] ?? ''),
    keyword: error.keyword,
    params: error.params as Record<string, unknown>,
  }));
}

function requiredField(params: unknown): string {
  const list = (params as { requiredProperties?: string[] }).requiredProperties;
  return list?.[0] ?? '';
}

/**
 * Server `details[].field` may be a bare name, a JSON pointer ("/amount") or a
 * dotted path ("body.amount"); the form only needs the last segment.
 */
export function fieldFromDetail(field: string): string {
  const segments = field.split(/[/.]/).filter(Boolean);
  return segments[segments.length - 1] ?? '';
}
