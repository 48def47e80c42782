import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';

/**
 * Keys live in a JWKS document of EC P-256 keys (ES256). Every key in it is
 * published at the JWKS endpoint; one with its private part (`d`) signs. So a
 * rotation is: add the new private key (published, not yet signing) → make it the
 * active kid → later drop the old key's `d` (still published while its tokens
 * live) → finally remove the old key.
 */
export interface SigningKeySet {
  readonly activeKid: string;
  readonly algorithm: 'ES256';
  /** PKCS#8 PEM of the active key, for @fastify/jwt. */
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  /** Public parts of every key, for /jwks. */
  readonly publicJwks: { readonly keys: readonly JWK[] };
}

export interface LoadSigningKeysOptions {
  /** JWKS JSON content (the secret, in staging/production). */
  readonly jwksJson?: string;
  /** Development only: where generated keys are kept between restarts. */
  readonly developmentKeyPath?: string;
  /** Pick the signer; defaults to the first key with a private part. */
  readonly activeKid?: string;
}

export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use'] as const;

export async function generateSigningJwk(kid: string = randomUUID()): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
}

export async function loadSigningKeys(options: LoadSigningKeysOptions): Promise<SigningKeySet> {
  let json = options.jwksJson;
  if (!json) {
    if (!options.developmentKeyPath) throw new SigningKeyError('no signing keys configured (SIGNING_KEYS)');
    json = await readOrCreateDevelopmentKeys(options.developmentKeyPath);
  }
  return buildKeySet(parseJwks(json), options.activeKid);
}

async function readOrCreateDevelopmentKeys(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const json = JSON.stringify({ keys: [await generateSigningJwk()] }, null, 2);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Written then renamed, so a concurrent first start never reads half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, json, { mode: 0o600 });
  await rename(tmp, path);
  return readFile(path, 'utf8');
}

function parseJwks(json: string): JWK[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new SigningKeyError('signing keys are not valid JSON');
  }
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new SigningKeyError('signing keys: expected {"keys":[…]} with at least one key');
  const kids = new Set<string>();
  for (const key of keys as JWK[]) {
    if (key.kty !== 'EC' || key.crv !== 'P-256' || typeof key.x !== 'string' || typeof key.y !== 'string') {
      throw new SigningKeyError('signing keys: only EC P-256 (ES256) keys are supported');
    }
    if (typeof key.kid !== 'string' || key.kid.length === 0) throw new SigningKeyError('signing keys: every key needs a kid');
    if (kids.has(key.kid)) throw new SigningKeyError(`signing keys: duplicate kid ${key.kid}`);
    if (key.alg !== undefined && key.alg !== 'ES256') throw new SigningKeyError(`signing keys: key ${key.kid} is not ES256`);
    kids.add(key.kid);
  }
  return keys as JWK[];
}

async function buildKeySet(keys: JWK[], activeKid: string | undefined): Promise<SigningKeySet> {
  const active = activeKid ? keys.find((k) => k.kid === activeKid) : keys.find((k) => typeof k.d === 'string');
  if (!active) throw new SigningKeyError(activeKid ? `signing keys: no key with kid ${activeKid}` : 'signing keys: no private key to sign with');
  if (typeof active.d !== 'string') throw new SigningKeyError(`signing keys: active key ${active.kid} has no private part`);
  const privateKey = await importJWK({ ...active, alg: 'ES256' }, 'ES256', { extractable: true });
  const publicKey = await importJWK(publicPart(active), 'ES256', { extractable: true });
  if (privateKey instanceof Uint8Array || publicKey instanceof Uint8Array) throw new SigningKeyError('signing keys: unexpected key type');
  return {
    activeKid: active.kid as string,
    algorithm: 'ES256',
    privateKeyPem: await exportPKCS8(privateKey),
    publicKeyPem: await exportSPKI(publicKey),
    publicJwks: { keys: keys.map(publicPart) },
  };
}

function publicPart(key: JWK): JWK {
  const out: JWK = { alg: 'ES256', use: 'sig' };
  for (const member of PUBLIC_MEMBERS) {
    if (key[member] !== undefined) (out as Record<string, unknown>)[member] = key[member];
  }
  return out;
}
