import { Type, type Static } from 'typebox';
import { baseConfigSchema, sensitiveString } from '@flotilla/service-kit';

/** Everything the auth service reads from its environment; nothing else reads process.env. */
export const authConfigSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  DATABASE_URL: sensitiveString({
    pattern: '^postgres(ql)?://',
    description: 'PostgreSQL URL of the auth database',
  }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
});

export type AuthConfig = Static<typeof authConfigSchema>;
