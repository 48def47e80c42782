import type { Static, TSchema } from 'typebox';

/**
 * A domain event as it travels on the broker: a name (also the routing key),
 * a schema version, and the TypeBox schema of its payload. A breaking change
 * to a payload is a new version, published side by side with the old one.
 */
export interface EventDefinition<S extends TSchema = TSchema> {
  readonly name: string;
  readonly version: number;
  readonly schema: S;
}

export type EventPayload<E extends EventDefinition> = Static<E['schema']>;

export function defineEvent<S extends TSchema>(name: string, version: number, schema: S): EventDefinition<S> {
  return Object.freeze({ name, version, schema });
}
