/* The seed step (`nx run auth:seed`, or the compose migrate job): registers the
   OAuth clients from configuration. Idempotent; run after `prisma migrate deploy`. */
import { PrismaPg } from '@prisma/adapter-pg';
import { ConfigError, loadConfig } from '@flotilla/service-kit';
import { createPasswordHasher } from '../src/domain/users/password-hasher';
import { PrismaClient } from '../src/generated/prisma/client';
import { clientRegistrations, seedClients, seedConfigSchema } from '../src/seed/seed-clients';

async function main() {
  const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? process.env.AUTH_DATABASE_URL };
  const config = loadConfig(seedConfigSchema, env);
  const registrations = clientRegistrations(config);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: config.DATABASE_URL }) });
  try {
    await seedClients(prisma, createPasswordHasher(), registrations);
    process.stdout.write(`auth seed: clients ${registrations.map((r) => r.id).join(', ')}\n`);
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`auth seed failed: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
});
