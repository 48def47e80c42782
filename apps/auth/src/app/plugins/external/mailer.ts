import fp from 'fastify-plugin';
import nodemailer from 'nodemailer';
import type { Mailer } from '../../../domain/users/reset-password';

export interface MailerPluginOptions {
  host: string;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  auth?: { user: string; pass: string };
  from: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    mailer: Mailer;
    /**
     * Work the request path handed off (the reset mail): tracked so shutdown waits for
     * it and tests can wait for it; failures are logged, never thrown at the caller.
     */
    background: { run(work: () => Promise<void>): void; idle(): Promise<void> };
  }
}

/**
 * Outgoing mail over SMTP with nodemailer: the mail catcher (MailDev) in development
 * and CI, a real relay in staging and production (required config there). Not a
 * readiness check: sign-in does not need mail, and a failed send is logged.
 */
export default fp<MailerPluginOptions>(
  async (app, options) => {
    const transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: options.requireTLS,
      auth: options.auth,
      // Bounded, so a stuck relay cannot pile up background sends.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    app.decorate('mailer', {
      async send(message) {
        await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text });
      },
    } satisfies Mailer);

    const pending = new Set<Promise<void>>();
    app.decorate('background', {
      run(work) {
        const job = work()
          .catch((error: unknown) => app.log.error({ err: error }, 'background work failed'))
          .finally(() => pending.delete(job));
        pending.add(job);
      },
      async idle() {
        while (pending.size > 0) await Promise.all([...pending]);
      },
    });

    app.addHook('onClose', async () => {
      await app.background.idle();
      transport.close();
    });
  },
  { name: 'mailer', fastify: '5.x' },
);
