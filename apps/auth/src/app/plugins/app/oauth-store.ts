import { GRANT_TYPES, type Client, type GrantType } from '../../../domain/oauth/model';
import type { OAuthStore, RefreshFamily, StoredAuthorizationCode } from '../../../domain/oauth/ports';
import type { AuthorizationCode, OAuthClient, PrismaClient, RefreshTokenFamily } from '../../../generated/prisma/client';

function toClient(row: OAuthClient): Client | undefined {
  // Public clients are not supported yet; a row without a secret is unusable.
  if (row.type !== 'CONFIDENTIAL' || !row.secretHash) return undefined;
  return {
    id: row.id,
    name: row.name,
    secretHash: row.secretHash,
    redirectUris: row.redirectUris,
    postLogoutRedirectUris: row.postLogoutRedirectUris,
    grantTypes: row.grantTypes.filter((g): g is GrantType => (GRANT_TYPES as readonly string[]).includes(g)),
    scopes: row.scopes,
  };
}

function toCode(row: AuthorizationCode): StoredAuthorizationCode {
  return {
    id: row.id,
    clientId: row.clientId,
    userId: row.userId,
    sessionId: row.sessionId,
    redirectUri: row.redirectUri,
    scope: row.scope,
    nonce: row.nonce,
    codeChallenge: row.codeChallenge,
    authTime: row.authTime,
    expiresAt: row.expiresAt,
    amr: row.amr,
  };
}

function toFamily(row: RefreshTokenFamily): RefreshFamily {
  return {
    id: row.id,
    clientId: row.clientId,
    userId: row.userId,
    scope: row.scope,
    authTime: row.authTime,
    expiresAt: row.expiresAt,
    amr: row.amr,
  };
}

export function createOAuthStore(prisma: PrismaClient): OAuthStore {
  const revokeFamilies = async (where: { id?: string; authorizationCodeId?: string }, reason: string, at: Date) => {
    await prisma.$transaction([
      prisma.refreshTokenFamily.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt: at, revokedReason: reason } }),
      prisma.accessToken.updateMany({
        where: { revokedAt: null, family: where },
        data: { revokedAt: at },
      }),
    ]);
  };

  return {
    async findClient(id) {
      const row = await prisma.oAuthClient.findUnique({ where: { id } });
      return row ? toClient(row) : undefined;
    },

    async saveAuthorizationCode(code) {
      await prisma.authorizationCode.create({ data: { ...code, amr: [...code.amr] } });
    },

    async consumeAuthorizationCode(id, now) {
      const updated = await prisma.authorizationCode.updateManyAndReturn({ where: { id, consumedAt: null }, data: { consumedAt: now } });
      if (updated.length === 1) return { status: 'consumed', code: toCode(updated[0]) };
      const existing = await prisma.authorizationCode.findUnique({ where: { id } });
      return existing ? { status: 'already-used', code: toCode(existing) } : { status: 'not-found' };
    },

    async revokeIssuedFromCode(codeId, at) {
      await prisma.$transaction([
        prisma.refreshTokenFamily.updateMany({
          where: { authorizationCodeId: codeId, revokedAt: null },
          data: { revokedAt: at, revokedReason: 'code-replayed' },
        }),
        // Also the access tokens later refreshes issued in those families (RFC 9700 §4.5:
        // a replayed code means the grant is compromised, not just its first tokens).
        prisma.accessToken.updateMany({
          where: { revokedAt: null, OR: [{ authorizationCodeId: codeId }, { family: { authorizationCodeId: codeId } }] },
          data: { revokedAt: at },
        }),
      ]);
    },

    async createRefreshFamily(input) {
      const family = await prisma.refreshTokenFamily.create({
        data: {
          clientId: input.clientId,
          userId: input.userId,
          authorizationCodeId: input.authorizationCodeId,
          sessionId: input.sessionId,
          scope: input.scope,
          nonce: input.nonce,
          authTime: input.authTime,
          amr: [...input.amr],
          expiresAt: input.expiresAt,
          tokens: { create: { id: input.tokenHash, expiresAt: input.tokenExpiresAt } },
        },
      });
      return toFamily(family);
    },

    async rotateRefreshToken({ oldHash, newHash, clientId, idleTtlSeconds, now }) {
      const token = await prisma.refreshToken.findUnique({ where: { id: oldHash }, include: { family: true } });
      if (!token) return { status: 'invalid', reason: 'not-found' };
      const family = token.family;
      // A token presented by another client is not evidence of theft from its owner;
      // refuse without touching the family (RFC 6749 §6: bound to the client).
      if (family.clientId !== clientId) return { status: 'invalid', reason: 'wrong-client' };
      if (family.revokedAt) return { status: 'invalid', reason: 'revoked' };
      if (token.usedAt) {
        // RFC 9700 §4.14.2: a spent token came back, so one of two holders is an attacker.
        await revokeFamilies({ id: family.id }, 'refresh-token-reused', now);
        return { status: 'reused', familyId: family.id, clientId: family.clientId };
      }
      if (family.expiresAt <= now) return { status: 'invalid', reason: 'absolute-expired' };
      if (token.expiresAt <= now) return { status: 'invalid', reason: 'idle-expired' };

      const nextExpiry = new Date(Math.min(now.getTime() + idleTtlSeconds * 1000, family.expiresAt.getTime()));
      const rotated = await prisma.$transaction(async (tx) => {
        // Conditional on usedAt still null: of two concurrent rotations exactly one wins.
        const spent = await tx.refreshToken.updateMany({ where: { id: oldHash, usedAt: null }, data: { usedAt: now } });
        if (spent.count === 0) return false;
        await tx.refreshToken.create({ data: { id: newHash, familyId: family.id, expiresAt: nextExpiry, createdAt: now } });
        return true;
      });
      if (!rotated) {
        await revokeFamilies({ id: family.id }, 'refresh-token-reused', now);
        return { status: 'reused', familyId: family.id, clientId: family.clientId };
      }
      return { status: 'rotated', family: toFamily(family) };
    },

    async findRefreshToken(hash) {
      const token = await prisma.refreshToken.findUnique({ where: { id: hash }, include: { family: true } });
      if (!token) return undefined;
      const active = !token.usedAt && !token.family.revokedAt && token.family.expiresAt > new Date();
      return { family: toFamily(token.family), active, expiresAt: token.expiresAt };
    },

    async revokeRefreshFamily(familyId, reason, at) {
      await revokeFamilies({ id: familyId }, reason, at);
    },

    async recordAccessToken(token) {
      await prisma.accessToken.create({ data: { ...token } });
    },

    async findAccessToken(jti) {
      const row = await prisma.accessToken.findUnique({ where: { jti } });
      if (!row) return undefined;
      return {
        jti: row.jti,
        clientId: row.clientId,
        userId: row.userId,
        familyId: row.familyId,
        authorizationCodeId: row.authorizationCodeId,
        scope: row.scope,
        expiresAt: row.expiresAt,
        revoked: row.revokedAt !== null,
      };
    },

    async revokeAccessToken(jti, at) {
      await prisma.accessToken.updateMany({ where: { jti, revokedAt: null }, data: { revokedAt: at } });
    },

    async findUser(id) {
      const user = await prisma.user.findUnique({ where: { id } });
      return user ? { id: user.id, email: user.email, displayName: user.displayName, active: user.status === 'ACTIVE' } : undefined;
    },
  };
}
