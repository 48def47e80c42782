import { enqueueOutbox } from '@flotilla/messaging';
import type { OutboxEvent } from '../../../domain/users/ports';
import type { Prisma } from '../../../generated/prisma/client';

/** Writes a user event into outbox_event inside the caller's transaction. */
export async function writeUserEvent(tx: Prisma.TransactionClient, userId: string, outbox: OutboxEvent): Promise<void> {
  await enqueueOutbox(tx, outbox.event, outbox.payload as never, { aggregateType: 'user', aggregateId: userId });
}
