import {
  Ajv,
  type ErrorObject,
  type Options,
  type ValidateFunction,
} from 'ajv';
import addFormats from 'ajv-formats';

const shared: Options = {
  // Unknown keywords are a schema bug: fail when the route is registered, not in production.
  strictSchema: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  // NaN and ±Infinity never pass a number schema.
  strictNumbers: true,
  // An unknown property is rejected by a schema saying additionalProperties:false, never silently dropped.
  removeAdditional: false,
  allErrors: false,
  useDefaults: true,
  addUsedSchema: false,
};

/**
 * Bodies are validated exactly as sent: no coercion, so "12" is not an amount
 * and "1e400" cannot turn into Infinity on the way to a `maximum` check.
 * Querystring, params and headers are strings on the wire and need coercion.
 */
export const bodyAjvOptions: Options = { ...shared, coerceTypes: false };
export const urlAjvOptions: Options = { ...shared, coerceTypes: 'array' };

type HttpPart =
  | 'body'
  | 'querystring'
  | 'params'
  | 'headers'
  | string
  | undefined;

function createAjv(
  options: Options,
  externalSchemas: Record<string, unknown>,
): Ajv {
  const ajv = new Ajv(options);
  addFormats(ajv);
  for (const schema of Object.values(externalSchemas))
    ajv.addSchema(schema as object);
  return ajv;
}

function compileWith(ajv: Ajv, schema: { $id?: string }): ValidateFunction {
  // Ajv refuses to compile two schemas with one $id; reuse the registered one.
  if (schema.$id) {
    const stored = ajv.getSchema(schema.$id);
    if (stored) return stored;
  }
  return ajv.compile(schema);
}

type NumericKind = 'integer' | 'number';

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
}

const PLAIN_INTEGER = /^-?(0|[1-9][0-9]*)$/;
const PLAIN_DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

function resolve(ajv: Ajv, node: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const target = ajv.getSchema(node.$ref)?.schema;
  return typeof target === 'object' && target !== null
    ? (target as SchemaNode)
    : node;
}

/** 'number' if any branch takes a non-integer number, 'integer' if only integers, else undefined. */
function numericKind(
  ajv: Ajv,
  raw: SchemaNode,
  depth = 0,
): NumericKind | undefined {
  if (depth > 8) return undefined;
  const node = resolve(ajv, raw);
  const kinds = new Set<NumericKind>();
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('number')) kinds.add('number');
  if (types.includes('integer')) kinds.add('integer');
  // With coerceTypes 'array', a repeated parameter is an array of strings.
  if (types.includes('array') && node.items) {
    const item = numericKind(ajv, node.items, depth + 1);
    if (item) kinds.add(item);
  }
  for (const branch of [
    ...(node.anyOf ?? []),
    ...(node.oneOf ?? []),
    ...(node.allOf ?? []),
  ]) {
    const kind = numericKind(ajv, branch, depth + 1);
    if (kind) kinds.add(kind);
  }
  if (kinds.has('number')) return 'number';
  return kinds.has('integer') ? 'integer' : undefined;
}

function numericProperties(
  ajv: Ajv,
  raw: SchemaNode,
  found = new Map<string, NumericKind>(),
  depth = 0,
): Map<string, NumericKind> {
  if (depth > 8) return found;
  const node = resolve(ajv, raw);
  for (const [name, property] of Object.entries(node.properties ?? {})) {
    const kind = numericKind(ajv, property);
    if (kind && found.get(name) !== 'number') found.set(name, kind);
  }
  for (const branch of node.allOf ?? [])
    numericProperties(ajv, branch, found, depth + 1);
  return found;
}

/** Why `value` may not become a number, or undefined when it may. */
function numberProblem(value: string, kind: NumericKind): string | undefined {
  // Ajv coerces a string when `data && data == +data`; only those concern us.
  if (value === '' || Number.isNaN(Number(value))) return undefined;
  if (kind === 'integer') {
    if (!PLAIN_INTEGER.test(value)) return 'must be a plain decimal integer';
    if (!Number.isSafeInteger(Number(value)))
      return `must be between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;
    return undefined;
  }
  if (!PLAIN_DECIMAL.test(value) || !Number.isFinite(Number(value)))
    return 'must be a plain decimal number';
  return undefined;
}

/**
 * Ajv's coercion turns "1e400" and "Infinity" into Infinity, which then passes
 * `type: integer` and even `maximum` (ajv 8.20: strictNumbers does not look at
 * coerced values), " 12", "0x10" and "1e2" into numbers, and
 * "9007199254740993" into a different integer. So
 * every string that a URL-part schema would coerce to a number must first be a
 * plain decimal (integers also exactly representable); anything else is a 400
 * VALIDATION_FAILED like any other schema error.
 */
function withStrictNumbers(
  validate: ValidateFunction,
  numeric: Map<string, NumericKind>,
): ValidateFunction {
  if (numeric.size === 0) return validate;
  const strict = function strictUrlNumbers(
    this: unknown,
    ...args: Parameters<ValidateFunction>
  ) {
    const [data] = args;
    if (typeof data === 'object' && data !== null) {
      for (const [name, kind] of numeric) {
        const value: unknown = (data as Record<string, unknown>)[name];
        for (const item of Array.isArray(value) ? value : [value]) {
          const problem =
            typeof item === 'string' ? numberProblem(item, kind) : undefined;
          if (problem) {
            const error: ErrorObject = {
              instancePath: `/${name}`,
              schemaPath: `#/properties/${name}`,
              keyword: 'strictNumber',
              params: {},
              message: problem,
            };
            strict.errors = [error];
            return false;
          }
        }
      }
    }
    const valid = validate.apply(this, args);
    strict.errors = validate.errors;
    return valid;
  } as ValidateFunction;
  // Fastify passes parentData to validators that have a schemaEnv (Ajv ones), so coercion can reach the root.
  return Object.assign(strict, {
    schema: validate.schema,
    schemaEnv: validate.schemaEnv,
  });
}

/**
 * Fastify's `schemaController.compilersFactory.buildValidator`: one Ajv for
 * bodies and one for the URL parts, both knowing the shared schemas added with
 * `app.addSchema`. URL parts also get the strict number check above.
 */
export function buildValidator(externalSchemas: Record<string, unknown>) {
  const bodyAjv = createAjv(bodyAjvOptions, externalSchemas);
  const urlAjv = createAjv(urlAjvOptions, externalSchemas);
  return ({ schema, httpPart }: { schema: unknown; httpPart?: HttpPart }) => {
    if (httpPart === 'body')
      return compileWith(bodyAjv, schema as { $id?: string });
    const validate = compileWith(urlAjv, schema as { $id?: string });
    return withStrictNumbers(
      validate,
      numericProperties(urlAjv, schema as SchemaNode),
    );
  };
}
