// Prisma CLI settings for the auth database: the shared configuration
// (tools/prisma/cli-config.ts), with this service's variable and seed.
// The CLI's config is tooling, never bundled into the service: a plain relative import.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { prismaCliConfig } from '../../tools/prisma/cli-config';

export default prismaCliConfig({
  urlEnv: 'DATABASE_URL',
  fallbacks: ['AUTH_DATABASE_URL'],
  seed: 'node -r @swc-node/register prisma/seed.ts',
});
