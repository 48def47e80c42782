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

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Throws unless the auth service this job reaches serves a stack on this
 * machine. The job's own APP_ENV says what its compose files say, and those
 * need not be the files the running stack was started with (compose.prod.yml),
 * so the target is asked too: its issuer must be a localhost URL.
 */
export function assertLocalIssuer(issuer: unknown): void {
  let host = '';
  try {
    host = new URL(String(issuer)).hostname;
  } catch {
    // reported below
  }
  if (!LOCAL_HOSTS.has(host)) {
    throw new ConfigError([
      { key: 'AUTH_INTERNAL_URL', problem: `serves the issuer ${String(issuer)}, not a local one: demo data is only for a stack on this machine` },
    ]);
  }
}

async function issuerOf(authUrl: string): Promise<unknown> {
  const response = await fetch(`${authUrl}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(15_000) });
  if (!response.ok) throw new Error(`the auth service's discovery document answered ${response.status} (is the stack up?)`);
  return ((await response.json()) as { issuer?: unknown }).issuer;
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
  assertLocalIssuer(await issuerOf(config.AUTH_INTERNAL_URL));
  // Only people this run registers get money: an email someone else signed up
  // first (409) is left alone, whoever owns it.
  const fresh: { person: DemoPerson; passphrase: string }[] = [];
  const before: DemoPerson[] = [];
  for (const person of DEMO_PEOPLE) {
    const passphrase = newPassphrase();
    if ((await register(config.AUTH_INTERNAL_URL, person, passphrase)) === 'registered') fresh.push({ person, passphrase });
    else before.push(person);
  }
  for (const person of before) console.log(`  ${person.email.padEnd(32)} registered before: left as it is`);
  if (fresh.length === 0) {
    console.log('demo history: every demo person was registered before; nothing changed');
    return;
  }
  const pool = new Pool({ connectionString: config.LEDGER_DATABASE_URL, max: 2 });
  try {
    const result = await seedDemoHistory({ pool, people: fresh.map((f) => f.person) });
    console.log('demo people (sign in at the app with the email and passphrase; shown once):');
    for (const { person, passphrase } of fresh) console.log(`  ${person.email.padEnd(32)} ${passphrase}`);
    console.log(`demo history: ${result.written} deposits and transfers over the last ${DEMO_DAYS} days written (${result.present} there already)`);
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
