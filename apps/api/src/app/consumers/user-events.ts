import fp from 'fastify-plugin';
import { createConsumer, NonRetryableError, onEvent, type DurableConsumer, type InboxRetention } from '@flotilla/messaging';
import { userDeactivatedEvent, userPasswordChangedEvent, userRegisteredEvent, userSignedOutEvent } from '@flotilla/contracts';
import { isLedgerError } from '../../domain/ledger/errors';
import { createOpenAccount } from '../../domain/ledger/open-account';
import { createAccountRepository } from '../repositories/account-repository';

export const USER_EVENTS_QUEUE = 'ledger.user-events';

/**
 * user.registered opens the user's account; user.deactivated freezes it for good
 * (recorded in deactivated_users, which the accounts table enforces). Each
 * delivery runs in one transaction with the inbox row (libs/messaging), and the
 * account insert is itself idempotent, so a redelivery changes nothing.
 * user.deactivated also ends the user's browser sessions, and so does
 * user.password_changed: the auth service has revoked the refresh tokens those
 * sessions hold, and a session someone else opened must not outlive the old password.
 * user.signed_out marks the user's sessions opened before the sign-out for a
 * re-check: the BFF refreshes each before its next use, and the one whose grant
 * the sign-out revoked ends then, not when its access token expires.
 */
export default fp<{ queue?: string; inbox?: InboxRetention }>(
  async (app, options) => {
    const consumer: DurableConsumer = createConsumer({
      connection: app.messaging.connection,
      logger: app.messaging.logger,
      registry: app.metrics.registry,
      db: app.db,
      queue: options.queue ?? USER_EVENTS_QUEUE,
      ...(options.inbox ? { inbox: options.inbox } : {}),
      handlers: [
        onEvent(userRegisteredEvent, async (payload, ctx) => {
          const openAccount = createOpenAccount({ accounts: createAccountRepository(ctx.tx) });
          try {
            const { account, created } = await openAccount({ userId: payload.userId, email: payload.email, displayName: payload.displayName });
            const state = account.status === 'frozen' ? ' (frozen: the user was deactivated)' : '';
            ctx.logger.info(`${created ? 'account opened' : 'account already open'}${state}`, { 'user.id': payload.userId });
          } catch (error) {
            if (isLedgerError(error)) throw new NonRetryableError(error.message);
            throw error;
          }
        }),
        onEvent(userDeactivatedEvent, async (payload, ctx) => {
          // Recorded even with no account yet: a later or concurrent user.registered opens it frozen.
          const { frozen } = await createAccountRepository(ctx.tx).deactivate(payload.userId, new Date(payload.deactivatedAt));
          // Browser sessions end with the account; Bearer tokens die with the auth service's revocation.
          const { rowCount } = await ctx.tx.query('DELETE FROM session WHERE user_id = $1', [payload.userId]);
          ctx.logger.info(frozen ? 'account frozen' : 'account already frozen or absent', { 'user.id': payload.userId, 'session.ended': rowCount ?? 0 });
        }),
        onEvent(userSignedOutEvent, async (payload, ctx) => {
          const { rowCount } = await ctx.tx.query(
            'UPDATE session SET recheck_requested_at = $2 WHERE user_id = $1 AND created_at <= $2 AND recheck_requested_at IS NULL',
            [payload.userId, payload.signedOutAt],
          );
          ctx.logger.info('signed out at the provider: browser sessions to re-check', { 'user.id': payload.userId, 'session.count': rowCount ?? 0 });
        }),
        onEvent(userPasswordChangedEvent, async (payload, ctx) => {
          // Sessions opened after the change stay: only those older than it end (a redelivery then changes nothing).
          const { rowCount } = await ctx.tx.query('DELETE FROM session WHERE user_id = $1 AND created_at <= $2', [
            payload.userId,
            payload.changedAt,
          ]);
          ctx.logger.info('password changed: browser sessions ended', { 'user.id': payload.userId, 'session.ended': rowCount ?? 0 });
        }),
      ],
    });
    app.decorate('userEventsConsumer', consumer);
    app.addHook('onClose', async () => consumer.close());
  },
  { name: 'user-events-consumer', fastify: '5.x', dependencies: ['messaging', 'db'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    userEventsConsumer: DurableConsumer;
  }
}
