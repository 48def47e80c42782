import type { Client } from './model';

export interface StoredAuthorizationCode {
  readonly id: string;
  readonly clientId: string;
  readonly userId: string;
  /** The provider session the user signed in with, when there was one. */
  readonly sessionId: string | null;
  readonly redirectUri: string;
  readonly scope: string;
  readonly nonce: string | null;
  readonly codeChallenge: string;
  readonly authTime: Date;
  readonly expiresAt: Date;
  /** RFC 8176 methods of the sign-in behind the code; the ID token's amr. */
  readonly amr: readonly string[];
}

export type ConsumeCodeResult =
  | { readonly status: 'consumed'; readonly code: StoredAuthorizationCode }
  | { readonly status: 'already-used'; readonly code: StoredAuthorizationCode }
  | { readonly status: 'not-found' };

export interface RefreshFamily {
  readonly id: string;
  readonly clientId: string;
  readonly userId: string;
  readonly scope: string;
  readonly authTime: Date;
  readonly expiresAt: Date;
  readonly amr: readonly string[];
}

export type RotateResult =
  | { readonly status: 'rotated'; readonly family: RefreshFamily }
  | { readonly status: 'reused'; readonly familyId: string; readonly clientId: string }
  | { readonly status: 'invalid'; readonly reason: 'not-found' | 'revoked' | 'idle-expired' | 'absolute-expired' | 'wrong-client' };

export interface IssuedAccessToken {
  readonly jti: string;
  readonly clientId: string;
  readonly userId: string | null;
  readonly familyId: string | null;
  readonly authorizationCodeId: string | null;
  readonly scope: string;
  readonly expiresAt: Date;
}

export interface UserProfile {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly active: boolean;
}

/** Persistence the OAuth use cases need; every method is atomic on its own. */
export interface OAuthStore {
  findClient(id: string): Promise<Client | undefined>;
  saveAuthorizationCode(code: StoredAuthorizationCode): Promise<void>;
  /** Marks the code consumed if it was not; reports a second use without changing it. */
  consumeAuthorizationCode(id: string, now: Date): Promise<ConsumeCodeResult>;
  /** Revokes every refresh family and access token issued from the code. */
  revokeIssuedFromCode(codeId: string, now: Date): Promise<void>;
  createRefreshFamily(input: {
    readonly clientId: string;
    readonly userId: string;
    readonly authorizationCodeId: string | null;
    readonly sessionId: string | null;
    readonly scope: string;
    readonly nonce: string | null;
    readonly authTime: Date;
    readonly amr: readonly string[];
    readonly expiresAt: Date;
    readonly tokenHash: string;
    readonly tokenExpiresAt: Date;
  }): Promise<RefreshFamily>;
  /**
   * Spends `oldHash` and stores `newHash` in its family, or reports why it cannot.
   * Presenting a spent token revokes the family before returning `reused`.
   */
  rotateRefreshToken(input: {
    readonly oldHash: string;
    readonly newHash: string;
    readonly clientId: string;
    readonly idleTtlSeconds: number;
    readonly now: Date;
  }): Promise<RotateResult>;
  /** The live family of a refresh token, for revocation/introspection. */
  findRefreshToken(hash: string): Promise<{ readonly family: RefreshFamily; readonly active: boolean; readonly expiresAt: Date } | undefined>;
  revokeRefreshFamily(familyId: string, reason: string, now: Date): Promise<void>;
  recordAccessToken(token: IssuedAccessToken): Promise<void>;
  findAccessToken(jti: string): Promise<(IssuedAccessToken & { readonly revoked: boolean }) | undefined>;
  revokeAccessToken(jti: string, now: Date): Promise<void>;
  findUser(id: string): Promise<UserProfile | undefined>;
}

export interface AccessTokenClaimsToSign {
  readonly sub: string;
  readonly client_id: string;
  readonly scope: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly auth_time?: number;
}

export interface IdTokenClaimsToSign {
  readonly sub: string;
  readonly aud: string;
  readonly azp: string;
  readonly iat: number;
  readonly exp: number;
  readonly auth_time: number;
  readonly amr: readonly string[];
  readonly acr: string;
  readonly nonce?: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
}

/** Signing is the web layer's (@fastify/jwt); the use cases only see this. */
export interface TokenSigner {
  signAccessToken(claims: AccessTokenClaimsToSign): string;
  signIdToken(claims: IdTokenClaimsToSign): string;
  /** Verifies one of our own access tokens (signature, iss, aud, typ, exp); undefined if not valid. */
  verifyAccessToken(token: string): Promise<{ readonly jti: string; readonly sub: string; readonly clientId: string; readonly scope: string; readonly exp: number; readonly iat: number } | undefined>;
}

export interface ClientSecretVerifier {
  verify(secretHash: string, presented: string): Promise<boolean>;
  /** Burns comparable time when the client does not exist. */
  verifyAgainstDummy(presented: string): Promise<void>;
}
