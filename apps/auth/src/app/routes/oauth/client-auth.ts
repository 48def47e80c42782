import type { ClientCredentials } from '../../../domain/oauth/oauth-service';
import { OAuthError } from '../../../domain/oauth/oauth-errors';

/**
 * RFC 6749 §2.3.1: HTTP Basic with form-urlencoded id and secret, or both in the
 * body. Using both methods at once is refused (§2.3: "MUST NOT use more than one").
 */
export function readClientCredentials(authorization: string | undefined, body: Record<string, string | undefined>): ClientCredentials | undefined {
  const fromBody = body.client_id !== undefined || body.client_secret !== undefined;
  if (authorization !== undefined) {
    if (fromBody && body.client_secret !== undefined) throw new OAuthError('invalid_request', 'use one client authentication method');
    const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(authorization.trim());
    if (!match) throw new OAuthError('invalid_client', 'unsupported authorization scheme');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'malformed basic credentials');
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      throw new OAuthError('invalid_client', 'malformed basic credentials');
    }
    if (body.client_id !== undefined && body.client_id !== clientId) throw new OAuthError('invalid_request', 'client_id mismatch');
    return { method: 'client_secret_basic', clientId, clientSecret };
  }
  if (body.client_id !== undefined && body.client_secret !== undefined) {
    return { method: 'client_secret_post', clientId: body.client_id, clientSecret: body.client_secret };
  }
  return undefined;
}
