import { Type, type Static } from 'typebox';
import { baseConfigSchema, sensitiveString } from '@flotilla/service-kit';

/** Everything the ledger API reads from its environment; nothing else reads process.env. */
export const apiConfigSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  DATABASE_URL: sensitiveString({
    pattern: '^postgres(ql)?://',
    description: 'PostgreSQL URL of the ledger database',
  }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  AMQP_URL: sensitiveString({
    pattern: '^amqps?://',
    description: 'RabbitMQ URL',
  }),
});

export type ApiConfig = Static<typeof apiConfigSchema>;
