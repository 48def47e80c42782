// Prisma CLI settings for the ledger database: the shared configuration
// (tools/prisma/cli-config.ts), with this service's variable.
// The CLI's config is tooling, never bundled into the service: a plain relative import.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { prismaCliConfig } from '../../tools/prisma/cli-config';

export default prismaCliConfig({ urlEnv: 'LEDGER_DATABASE_URL', fallbacks: ['DATABASE_URL'] });
