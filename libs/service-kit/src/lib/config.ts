import { readFileSync } from 'node:fs';
import {
  Type,
  type Static,
  type TObject,
  type TProperties,
  type TSchema,
} from 'typebox';
import { Value } from 'typebox/value';

/** The environments a service knows; anything but development and test is held to production rules. */
export const APP_ENVS = [
  'development',
  'test',
  'staging',
  'production',
] as const;
export type AppEnv = (typeof APP_ENVS)[number];
const RELAXED_ENVS: readonly string[] = ['development', 'test'];

/** Marks a string key as a secret: never echoed in errors, and placeholders are refused outside development/test. */
export const SECRET = 'x-secret';

/** Marks a key whose value is never echoed in errors (URLs with credentials). */
export const SENSITIVE = 'x-sensitive';

/** A secret string key. Outside development and test it must be at least `minLength` (32) characters and no placeholder. */
export function secretString(
  options: { minLength?: number; description?: string } = {},
) {
  return Type.String({
    minLength: 1,
    ...options,
    [SECRET]: options.minLength ?? 32,
    [SENSITIVE]: true,
  });
}

/** A string key whose value may hold credentials (a database URL): checked by the schema, never echoed. */
export function sensitiveString(
  options: { pattern?: string; minLength?: number; description?: string } = {},
) {
  return Type.String({ minLength: 1, ...options, [SENSITIVE]: true });
}

const PLACEHOLDER_WORDS = [
  'changeme',
  'change-me',
  'change_me',
  'secret',
  'example',
  'placeholder',
  'password',
  'dummy',
  'default',
  'todo',
  'xxx',
];

/** Why `value` is not acceptable as a production secret, or undefined when it is. */
export function placeholderReason(
  value: string,
  minLength = 32,
): string | undefined {
  const lower = value.toLowerCase();
  // The matched word is not named: for "changeme" it would be the secret itself.
  if (PLACEHOLDER_WORDS.some((w) => lower.includes(w)))
    return 'looks like a placeholder';
  if (value.length < minLength)
    return `is shorter than ${minLength} characters`;
  if (new Set(value).size < 8) return 'has too few distinct characters';
  return undefined;
}

const TRUST_PROXY_ENTRY = '[0-9A-Fa-f:.]+(/[0-9]{1,3})?|loopback|linklocal|uniquelocal';
const TRUST_PROXY_PATTERN = `^\\s*(false|[0-9]{1,2}|(${TRUST_PROXY_ENTRY})(\\s*,\\s*(${TRUST_PROXY_ENTRY}))*)\\s*$`;

/** What Fastify's `trustProxy` gets: off, a hop-count test, or the proxies' addresses. */
export type TrustProxy = false | string[] | ((address: string, hop: number) => boolean);

/**
 * TRUST_PROXY as Fastify must see it. A number is a hop count: Fastify reads a
 * *string* "1" as the address 0.0.0.1, which no peer matches, so every client
 * would share the gateway's address (and its throttle counters). "true" is
 * refused: the gateway appends to the client's own X-Forwarded-For, so its
 * left-most entry is whatever the client sent.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'false') return false;
  if (/^[0-9]{1,2}$/.test(trimmed)) {
    const hops = Number(trimmed);
    if (hops === 0) return false;
    // A function, not the number: Fastify 5.12 ignores a numeric trustProxy (it
    // fails closed). Hop 0 is the socket peer; trusting `hops` of them makes the
    // client the address the outermost trusted proxy saw. Only sound when the
    // service is reachable through those proxies alone (no published port).
    return (_address: string, hop: number) => hop < hops;
  }
  if (!new RegExp(TRUST_PROXY_PATTERN).test(trimmed)) {
    throw new RangeError(`TRUST_PROXY must be false, a hop count or a list of proxy addresses (got ${JSON.stringify(trimmed.slice(0, 40))})`);
  }
  return trimmed.split(',').map((entry) => entry.trim());
}

/**
 * Keys every service reads. Services extend it:
 * `Type.Object({ ...baseConfigSchema.properties, DATABASE_URL: Type.String() })`.
 */
export const baseConfigSchema = Type.Object({
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
  // Unset means production: forgetting it must never relax the checks.
  APP_ENV: Type.Union(
    [
      Type.Literal('development'),
      Type.Literal('test'),
      Type.Literal('staging'),
      Type.Literal('production'),
    ],
    { default: 'production' },
  ),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120_000,
    default: 10_000,
  }),
  /** Time between SIGTERM and the start of the graceful stop, serving as usual (runService's shutdownDelayMs). */
  SHUTDOWN_DELAY_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 0,
  }),
  /** Largest accepted request body, in bytes. */
  BODY_LIMIT: Type.Integer({
    minimum: 1024,
    maximum: 100 * 1024 * 1024,
    default: 1024 * 1024,
  }),
  /** Longest a request may take to arrive, in ms (Fastify requestTimeout; 0 = none). */
  REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    maximum: 600_000,
    default: 30_000,
  }),
  /** Keep-alive idle timeout; above the proxy's so the proxy closes first and never reuses a dead socket. */
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 72_000,
  }),
  /** Default timeout of each readiness check, in ms. */
  HEALTH_CHECK_TIMEOUT_MS: Type.Integer({
    minimum: 50,
    maximum: 60_000,
    default: 2_000,
  }),
  /**
   * Which proxies to trust for X-Forwarded-*: "false", a hop count ("1" = the
   * one gateway in front), or a comma-separated list of addresses/CIDRs.
   * Never "true": it would trust the left-most X-Forwarded-For entry, which the
   * client writes itself. Read by parseTrustProxy.
   */
  TRUST_PROXY: Type.String({
    default: 'false',
    pattern: TRUST_PROXY_PATTERN,
    description: 'false, a hop count, or a list of proxy addresses/CIDRs (never true)',
  }),
});

export type BaseConfig = Static<typeof baseConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: { key: string; problem: string }[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.key}: ${p.problem}`).join('\n'),
    );
  }
}

export interface LoadConfigOptions {
  /** Reads a *_FILE path; injectable so unit tests need no files. */
  readFile?: (path: string) => string;
}

type Env = Record<string, string | undefined>;

function describeValue(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Env values are strings; numbers and booleans are converted only when the
 * whole string is one (TypeBox's Value.Convert would turn "30.5" into 30 for an
 * integer). Anything else stays a string and fails the schema check.
 */
function convert(schema: TSchema, value: string): unknown {
  const type = (schema as { type?: unknown }).type;
  if (type === 'integer' && INTEGER.test(value)) return Number(value);
  if (
    type === 'number' &&
    DECIMAL.test(value) &&
    Number.isFinite(Number(value))
  )
    return Number(value);
  if (type === 'boolean') {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
  }
  return value;
}

/** The allowed values of a union of literals (an enum-like key), for a readable message. */
function literalChoices(schema: TSchema): string[] | undefined {
  const anyOf = (schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (!anyOf || !anyOf.every((s) => s.const !== undefined)) return undefined;
  return anyOf.map((s) => String(s.const));
}

function secretMinLength(schema: TSchema): number | undefined {
  const marker = (schema as Record<string, unknown>)[SECRET];
  return typeof marker === 'number' ? marker : undefined;
}

/**
 * Reads the schema's keys from `env` once, at boot. For each key K:
 * K_FILE, when set, names a file holding the value (compose/Kubernetes secrets);
 * an empty or unset value takes the schema default; strings are converted to
 * numbers/booleans where the schema says so. Every problem is collected and
 * thrown together as a ConfigError, so one restart fixes them all.
 */
export function loadConfig<T extends TObject<TProperties>>(
  schema: T,
  env: Env = process.env,
  options: LoadConfigOptions = {},
): Static<T> {
  const readFile =
    options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const problems: { key: string; problem: string }[] = [];
  const raw: Record<string, string> = {};

  for (const key of Object.keys(schema.properties)) {
    const fileKey = `${key}_FILE`;
    const direct = env[key];
    const file = env[fileKey];
    if (file !== undefined && file !== '') {
      if (direct !== undefined && direct !== '') {
        problems.push({
          key,
          problem: `set either ${key} or ${fileKey}, not both`,
        });
        continue;
      }
      try {
        // Secret files usually end with a newline the value does not have.
        raw[key] = readFile(file).replace(/\r?\n$/, '');
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        problems.push({ key, problem: `cannot read ${fileKey} (${reason})` });
      }
    } else if (direct !== undefined && direct !== '') {
      raw[key] = direct;
    }
  }

  // APP_ENV decides how strict the secret checks are, so it is read first;
  // NODE_ENV stands in for it when only that is set.
  if (
    raw['APP_ENV'] === undefined &&
    'APP_ENV' in schema.properties &&
    env['NODE_ENV']
  ) {
    if ((APP_ENVS as readonly string[]).includes(env['NODE_ENV']))
      raw['APP_ENV'] = env['NODE_ENV'];
  }
  const appEnv = raw['APP_ENV'] ?? 'production';
  const relaxed = RELAXED_ENVS.includes(appEnv);

  const required = new Set(schema.required ?? []);
  const result: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties) as [
    string,
    TSchema,
  ][]) {
    if (problems.some((p) => p.key === key)) continue;
    const value = raw[key];
    const minLength = secretMinLength(property);
    if (value === undefined) {
      const fallback = (property as { default?: unknown }).default;
      if (fallback !== undefined) result[key] = Value.Clone(fallback);
      else if (required.has(key))
        problems.push({ key, problem: 'is required but not set' });
      continue;
    }
    const converted = convert(property, value);
    if (!Value.Check(property, converted)) {
      const [first] = Value.Errors(property, converted);
      const choices = literalChoices(property);
      const sensitive =
        (property as Record<string, unknown>)[SENSITIVE] === true;
      const shown = sensitive ? '' : ` (got ${describeValue(value)})`;
      const message = choices
        ? `must be one of ${choices.join(', ')}`
        : (first?.message ?? 'is invalid');
      problems.push({ key, problem: `${message}${shown}` });
      continue;
    }
    if (minLength !== undefined && !relaxed && typeof converted === 'string') {
      const reason = placeholderReason(converted, minLength);
      if (reason) {
        problems.push({
          key,
          problem: `${reason}; refused when APP_ENV=${appEnv}`,
        });
        continue;
      }
    }
    result[key] = converted;
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return result as Static<T>;
}

/** Reads a secret from a file the way loadConfig does for K_FILE. */
export function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}
