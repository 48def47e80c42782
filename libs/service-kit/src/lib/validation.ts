import { Ajv, type Options, type ValidateFunction } from 'ajv';
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

/**
 * Fastify's `schemaController.compilersFactory.buildValidator`: one Ajv for
 * bodies and one for the URL parts, both knowing the shared schemas added with
 * `app.addSchema`.
 */
export function buildValidator(externalSchemas: Record<string, unknown>) {
  const bodyAjv = createAjv(bodyAjvOptions, externalSchemas);
  const urlAjv = createAjv(urlAjvOptions, externalSchemas);
  return ({ schema, httpPart }: { schema: unknown; httpPart?: HttpPart }) =>
    compileWith(
      httpPart === 'body' ? bodyAjv : urlAjv,
      schema as { $id?: string },
    );
}
