export interface EndSessionRequest {
  /** The ID token the session was opened with; lets the provider identify the session and client. */
  idToken?: string;
  clientId: string;
  /** Must be registered for the client at the provider, exactly. */
  postLogoutRedirectUri: string;
  state: string;
}

/** OIDC RP-Initiated Logout 1.0 §2: where the browser goes to end its session at the provider. */
export function endSessionUrl(endpoint: string, request: EndSessionRequest): string {
  const url = new URL(endpoint);
  if (request.idToken) url.searchParams.set('id_token_hint', request.idToken);
  url.searchParams.set('post_logout_redirect_uri', request.postLogoutRedirectUri);
  url.searchParams.set('client_id', request.clientId);
  url.searchParams.set('state', request.state);
  return url.toString();
}

export interface EndSessionEndpointOptions {
  /** `<internal base>/.well-known/openid-configuration`: fetched from inside the network. */
  discoveryUrl: string;
  /** The document must name exactly this issuer (OIDC Discovery 1.0 §4.3). */
  issuer: string;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  onError?: (error: unknown) => void;
}

/**
 * The provider's `end_session_endpoint`, from its discovery document. A
 * successful answer is kept for the life of the process; a failure is not, so
 * the next sign-out asks again. Resolves to undefined while the provider cannot
 * say: signing out locally must not depend on the provider being up.
 */
export function createEndSessionEndpoint(options: EndSessionEndpointOptions): () => Promise<string | undefined> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  let known: string | undefined;

  async function discover(): Promise<string> {
    const response = await fetchFn(options.discoveryUrl, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 3_000),
    });
    if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; end_session_endpoint?: unknown };
    if (document.issuer !== options.issuer) throw new Error(`discovery names issuer ${String(document.issuer)}, expected ${options.issuer}`);
    if (typeof document.end_session_endpoint !== 'string') throw new Error('discovery has no end_session_endpoint');
    const endpoint = new URL(document.end_session_endpoint);
    if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') throw new Error('end_session_endpoint is not an http(s) URL');
    return endpoint.toString();
  }

  return async () => {
    if (known) return known;
    try {
      known = await discover();
      return known;
    } catch (error) {
      options.onError?.(error);
      return undefined;
    }
  };
}
