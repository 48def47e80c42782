import type pg from 'pg';
import type { ChallengeStore, PasskeyRecord, PasskeyStore } from '../../../domain/mfa/passkeys';
import type { PrismaClient } from '../../../generated/prisma/client';
import { writeUserEvent } from './outbox';

type Row = Awaited<ReturnType<PrismaClient['webAuthnCredential']['findUnique']>> & {};

const toRecord = (row: Row): PasskeyRecord => ({
  id: row.id,
  userId: row.userId,
  publicKey: new Uint8Array(row.publicKey),
  counter: Number(row.counter),
  transports: row.transports,
  deviceType: row.deviceType === 'multiDevice' ? 'multiDevice' : 'singleDevice',
  backupEligible: row.backupEligible,
  backedUp: row.backedUp,
  aaguid: row.aaguid,
  name: row.name,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
});

export function createPasskeyRepository(prisma: PrismaClient, db: pg.Pool): PasskeyStore {
  return {
    async listByUser(userId) {
      const rows = await prisma.webAuthnCredential.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } });
      return rows.map(toRecord);
    },
    async find(id) {
      const row = await prisma.webAuthnCredential.findUnique({ where: { id } });
      return row ? toRecord(row) : undefined;
    },
    async add(record, event) {
      return prisma.$transaction(async (tx) => {
        const { count } = await tx.webAuthnCredential.createMany({
          data: [{ ...record, publicKey: Buffer.from(record.publicKey), counter: BigInt(record.counter), transports: [...record.transports] }],
          skipDuplicates: true,
        });
        if (count === 0) return false;
        await writeUserEvent(tx, record.userId, event);
        return true;
      });
    },
    async recordUse(id, counter, backedUp, at) {
      // One conditional statement: two answers with the same counter cannot both pass (WebAuthn §6.1.1).
      const { rowCount } = await db.query(
        `UPDATE webauthn_credentials SET counter = $2, backed_up = $3, last_used_at = $4
         WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0))`,
        [id, counter, backedUp, at],
      );
      return (rowCount ?? 0) === 1;
    },
    async remove(userId, id, event) {
      return prisma.$transaction(async (tx) => {
        const { count } = await tx.webAuthnCredential.deleteMany({ where: { id, userId } });
        if (count === 0) return false;
        await writeUserEvent(tx, userId, event);
        return true;
      });
    },
  };
}

export function createChallengeRepository(db: pg.Pool): ChallengeStore {
  return {
    async save(c) {
      await db.query(
        `INSERT INTO webauthn_challenges (id, challenge, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4::uuid, $5, $6)`,
        [c.id, c.challenge, c.purpose, c.userId, c.at, c.expiresAt],
      );
    },
    async take(id, purpose, at) {
      // Deleted whether or not it is still live: one read, one answer.
      const { rows } = await db.query<{ challenge: string; user_id: string | null; purpose: string; expires_at: Date }>(
        'DELETE FROM webauthn_challenges WHERE id = $1 RETURNING challenge, user_id, purpose, expires_at',
        [id],
      );
      const row = rows[0];
      if (!row || row.purpose !== purpose || row.expires_at.getTime() <= at.getTime()) return undefined;
      return { challenge: row.challenge, userId: row.user_id };
    },
  };
}
