import { isValidS256Challenge } from './pkce';
import { isValidScopeToken, parseScopeParam, type Client } from './model';

/** The parameters of a validated authorization request, ready to issue a code for. */
export interface AuthorizationRequest {
  readonly client: Client;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state?: string;
  readonly nonce?: string;
  readonly codeChallenge: string;
  readonly prompt?: 'none' | 'login' | 'create';
  readonly maxAgeSeconds?: number;
}

/**
 * RFC 6749 §4.1.2.1: a bad client_id or redirect_uri is shown to the user, never
 * redirected to; every other error goes back to the verified redirect_uri.
 */
export type AuthorizationRequestResult =
  | { readonly kind: 'valid'; readonly request: AuthorizationRequest }
  | { readonly kind: 'show-error'; readonly message: string }
  | {
      readonly kind: 'redirect-error';
      readonly redirectUri: string;
      readonly state?: string;
      readonly error: 'invalid_request' | 'unauthorized_client' | 'unsupported_response_type' | 'invalid_scope';
      readonly description: string;
    };

export type RawParams = Readonly<Record<string, unknown>>;

const MAX_PARAM_LENGTH = 2048;
const PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age'] as const;

/**
 * Validates an authorization request. `findClient` looks a client up by id; the
 * lookup happens only after client_id passed its syntax check.
 */
export async function validateAuthorizationRequest(
  raw: RawParams,
  findClient: (id: string) => Promise<Client | undefined>,
): Promise<AuthorizationRequestResult> {
  const params: Partial<Record<(typeof PARAMS)[number], string>> = {};
  const repeated: string[] = [];
  for (const name of PARAMS) {
    const value = raw[name];
    if (value === undefined) continue;
    // RFC 6749 §3.1: parameters MUST NOT be included more than once.
    if (typeof value !== 'string') repeated.push(name);
    else if (value.length > MAX_PARAM_LENGTH) repeated.push(name);
    else params[name] = value;
  }

  const clientId = params.client_id;
  if (!clientId || repeated.includes('client_id') || !/^[\x20-\x7E]{1,100}$/.test(clientId)) {
    return { kind: 'show-error', message: 'The application that sent you here did not identify itself correctly (client_id).' };
  }
  const client = await findClient(clientId);
  if (!client) {
    return { kind: 'show-error', message: 'The application that sent you here is not registered (unknown client_id).' };
  }
  // Exact string match (RFC 9700 §4.1.3): no prefix, no wildcard, no normalisation.
  const redirectUri = params.redirect_uri;
  if (!redirectUri || repeated.includes('redirect_uri') || !client.redirectUris.includes(redirectUri)) {
    return { kind: 'show-error', message: 'The address this application asked to return to is not registered for it (redirect_uri).' };
  }

  const state = repeated.includes('state') ? undefined : params.state;
  const fail = (error: Extract<AuthorizationRequestResult, { kind: 'redirect-error' }>['error'], description: string) =>
    ({ kind: 'redirect-error', redirectUri, state, error, description }) as const;

  if (repeated.length > 0) return fail('invalid_request', `repeated or oversized parameter: ${repeated.join(', ')}`);
  if (params.response_type !== 'code') {
    return params.response_type === undefined
      ? fail('invalid_request', 'response_type is required')
      : fail('unsupported_response_type', 'only response_type=code is supported');
  }
  if (!client.grantTypes.includes('authorization_code')) {
    return fail('unauthorized_client', 'client may not use the authorization code grant');
  }
  // RFC 9700 §2.1.1: PKCE for every client, S256 only.
  if (!params.code_challenge) return fail('invalid_request', 'code_challenge is required (PKCE)');
  if (params.code_challenge_method !== 'S256') {
    return fail('invalid_request', 'code_challenge_method must be S256');
  }
  if (!isValidS256Challenge(params.code_challenge)) return fail('invalid_request', 'code_challenge is malformed');

  const scopes = parseScopeParam(params.scope);
  if (scopes.length === 0) return fail('invalid_scope', 'scope is required');
  const notAllowed = scopes.filter((s) => !isValidScopeToken(s) || !client.scopes.includes(s));
  if (notAllowed.length > 0) return fail('invalid_scope', `scope not allowed for this client: ${notAllowed.join(' ')}`);

  if (params.nonce !== undefined && (params.nonce.length === 0 || params.nonce.length > 512)) {
    return fail('invalid_request', 'nonce must be 1–512 characters');
  }
  if (state !== undefined && state.length > 1024) return fail('invalid_request', 'state is too long');

  let prompt: 'none' | 'login' | 'create' | undefined;
  if (params.prompt !== undefined) {
    // OIDC Core §3.1.2.1 (none, login) and OIDC "Initiating User Registration" §4 (create).
    if (params.prompt !== 'none' && params.prompt !== 'login' && params.prompt !== 'create') {
      return fail('invalid_request', 'prompt must be none, login or create');
    }
    prompt = params.prompt;
  }
  let maxAgeSeconds: number | undefined;
  if (params.max_age !== undefined) {
    if (!/^\d{1,9}$/.test(params.max_age)) return fail('invalid_request', 'max_age must be a non-negative integer');
    maxAgeSeconds = Number(params.max_age);
  }

  return {
    kind: 'valid',
    request: { client, redirectUri, scopes, state, nonce: params.nonce, codeChallenge: params.code_challenge, prompt, maxAgeSeconds },
  };
}

/** RFC 6749 §4.1.2 / §4.1.2.1 response, plus RFC 9207's `iss`. */
export function buildRedirect(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return url.toString();
}
