import { randomToken, sha256Hex } from '../oauth/crypto';

export interface SessionSettings {
  readonly absoluteTtlSeconds: number;
  readonly idleTtlSeconds: number;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = { absoluteTtlSeconds: 12 * 3600, idleTtlSeconds: 30 * 60 };

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
  readonly endedAt: Date | null;
  /** OIDC amr (RFC 8176) of the sign-in that opened the session. */
  readonly amr: readonly string[];
}

export interface SessionStore {
  create(session: {
    readonly id: string;
    readonly userId: string;
    readonly expiresAt: Date;
    readonly ip: string;
    readonly userAgent: string | null;
    readonly at: Date;
    readonly amr: readonly string[];
  }): Promise<void>;
  find(id: string): Promise<(SessionRecord & { readonly userActive: boolean }) | undefined>;
  touch(id: string, at: Date): Promise<void>;
  end(id: string, at: Date): Promise<void>;
  /** Ends the session and revokes every token issued through it (codes minted while it was live). */
  endAndRevokeTokens(id: string, at: Date): Promise<void>;
}

export interface ActiveSession {
  readonly id: string;
  readonly userId: string;
  /** When the user last proved their password (OIDC auth_time). */
  readonly authTime: Date;
  /** How the user proved it (RFC 8176): ['pwd'] or ['pwd', 'otp']. */
  readonly amr: readonly string[];
}

export function createSessionService(store: SessionStore, settings: SessionSettings, now: () => Date = () => new Date()) {
  return {
    /** Returns the cookie value; only its hash is stored. */
    async start(userId: string, ip: string, userAgent: string | null, amr: readonly string[] = ['pwd']): Promise<string> {
      const token = randomToken();
      const at = now();
      await store.create({
        id: sha256Hex(token),
        userId,
        expiresAt: new Date(at.getTime() + settings.absoluteTtlSeconds * 1000),
        ip,
        userAgent: userAgent?.slice(0, 512) ?? null,
        at,
        amr,
      });
      return token;
    },

    /** The live session behind a cookie value, with its idle timer reset; undefined if none. */
    async resume(token: string | undefined): Promise<ActiveSession | undefined> {
      if (!token || token.length > 100) return undefined;
      const id = sha256Hex(token);
      const session = await store.find(id);
      const at = now();
      if (!session || session.endedAt || !session.userActive) return undefined;
      if (session.expiresAt <= at || session.lastSeenAt.getTime() + settings.idleTtlSeconds * 1000 <= at.getTime()) {
        await store.end(id, at);
        return undefined;
      }
      // Touch at most once a minute: a page view should not always write.
      if (at.getTime() - session.lastSeenAt.getTime() > 60_000) await store.touch(id, at);
      return { id, userId: session.userId, authTime: session.createdAt, amr: session.amr };
    },

    async end(token: string | undefined): Promise<void> {
      if (!token || token.length > 100) return;
      await store.end(sha256Hex(token), now());
    },

    /** Sign-out: the session ends and the applications it signed into lose their tokens. */
    async signOut(token: string | undefined): Promise<void> {
      if (!token || token.length > 100) return;
      await store.endAndRevokeTokens(sha256Hex(token), now());
    },
  };
}
