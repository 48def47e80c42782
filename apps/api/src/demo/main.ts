/* The demo data job (tools/demo.sh runs it in the api's migrate image):
   registers the demo people with the auth service's real sign-up API, waits
   for the ledger to open their accounts (the user.registered consumer), and
   gives them 30 days of history. Prints each new person's passphrase once.
   Refused when APP_ENV=production: the demo people are well-known accounts. */
import { randomInt } from 'node:crypto';
import { Pool } from 'pg';
import { Type } from 'typebox';
import { ConfigError, loadConfig, sensitiveString } from '@flotilla/service-kit';
import { DEMO_DAYS, DEMO_PEOPLE, type DemoPerson } from './demo-history';
import { seedDemoHistory } from './seed-demo-history';

export const demoConfigSchema = Type.Object({
  APP_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('staging'), Type.Literal('production')], {
    default: 'production',
  }),
  /** The auth service's base URL inside the network, e.g. http://auth:3001/auth. */
  AUTH_INTERNAL_URL: Type.String({ pattern: '^https?://' }),
  LEDGER_DATABASE_URL: sensitiveString({ pattern: '^postgres(ql)?://' }),
});

/** Throws when the demo must not run against this environment. */
export function assertDemoAllowed(appEnv: string): void {
  if (appEnv === 'production') {
    throw new ConfigError([{ key: 'APP_ENV', problem: 'is production: demo data is refused there (its people are well-known accounts)' }]);
  }
}

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
/** Five groups of five from a 31-symbol alphabet: about 124 bits. */
export function newPassphrase(): string {
  return Array.from({ length: 5 }, () => Array.from({ length: 5 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')).join('-');
}

/** The auth service's JSON sign-up: 201 registered, 409 already there. */
async function register(authUrl: string, person: DemoPerson, password: string): Promise<'registered' | 'exists'> {
  const response = await fetch(`${authUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: person.email, displayName: person.displayName, password }),
    signal: AbortSignal.timeout(15_000),
  });
  if (response.status === 201) return 'registered';
  if (response.status === 409) return 'exists';
  throw new Error(`registering ${person.email} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
}

async function main(): Promise<void> {
  const env = { ...process.env, LEDGER_DATABASE_URL: process.env['LEDGER_DATABASE_URL'] ?? process.env['DATABASE_URL'] };
  const config = loadConfig(demoConfigSchema, env);
  assertDemoAllowed(config.APP_ENV);
  const lines: string[] = [];
  for (const person of DEMO_PEOPLE) {
    const passphrase = newPassphrase();
    const outcome = await register(config.AUTH_INTERNAL_URL, person, passphrase);
    lines.push(`  ${person.email.padEnd(32)} ${outcome === 'registered' ? passphrase : '(registered before: its passphrase was printed then)'}`);
  }
  const pool = new Pool({ connectionString: config.LEDGER_DATABASE_URL, max: 2 });
  try {
    const result = await seedDemoHistory({ pool, people: DEMO_PEOPLE });
    console.log(`demo people (sign in at the app with the email and passphrase; shown once):\n${lines.join('\n')}`);
    console.log(
      result.written > 0
        ? `demo history: ${result.written} deposits and transfers over the last ${DEMO_DAYS} days written (${result.present} there already)`
        : `demo history: all ${result.present} movements there already; nothing changed`,
    );
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof ConfigError ? 64 : 1);
  });
}
