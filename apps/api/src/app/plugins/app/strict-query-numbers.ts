import type { FastifyRequest, preValidationHookHandler } from 'fastify';
import { AppError } from '@flotilla/service-kit';

const INTEGER = /^-?(0|[1-9][0-9]{0,14})$/;
const NUMBER = /^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?$/;

interface PropertySchema {
  type?: string;
}

/**
 * Querystrings are coerced by Ajv, and Ajv coerces "1e400" and "Infinity" to
 * Infinity and then lets it through `type: integer` and `maximum` (measured with
 * ajv 8.20, coerceTypes "array"). So numeric query parameters must be plain
 * decimals before Ajv sees them.
 */
export const strictQueryNumbers: preValidationHookHandler = async function strictQueryNumbers(request: FastifyRequest) {
  const schema = (request.routeOptions.schema?.querystring ?? undefined) as { properties?: Record<string, PropertySchema> } | undefined;
  const properties = schema?.properties;
  if (!properties) return;
  const query = request.query as Record<string, unknown>;
  for (const [name, property] of Object.entries(properties)) {
    const value = query[name];
    if (value === undefined) continue;
    const pattern = property.type === 'integer' ? INTEGER : property.type === 'number' ? NUMBER : undefined;
    if (!pattern) continue;
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new AppError(400, 'VALIDATION_FAILED', `querystring/${name} must be a plain decimal number`, [
        { field: `querystring/${name}`, message: 'must be a plain decimal number' },
      ]);
    }
  }
};
