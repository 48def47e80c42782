import fp from 'fastify-plugin';
import { createLoginService, type LoginService } from '../../../domain/login/login-service';
import { createSessionService, type SessionSettings } from '../../../domain/login/sessions';
import type { ThrottleLimits } from '../../../domain/login/throttle';
import { createClientSecretHasher } from '../../../domain/oauth/client-secret';
import { createOAuthService, type OAuthService } from '../../../domain/oauth/oauth-service';
import type { OAuthSettings } from '../../../domain/oauth/model';
import type { OAuthStore } from '../../../domain/oauth/ports';
import { createPasswordHasher, type Argon2Options } from '../../../domain/users/password-hasher';
import { createPasswordPolicy, type PasswordPolicy, type PasswordPolicyOptions } from '../../../domain/users/password-policy';
import { createUserService, type UserService } from '../../../domain/users/register-user';
import { createChangePassword, type ChangePassword } from '../../../domain/users/change-password';
import { createPasswordReset, type PasswordReset, type ResetLimits } from '../../../domain/users/reset-password';
import { createResetRequestsRepository, createResetTokensRepository } from './password-reset-repository';
import { createTotpService, type TotpService } from '../../../domain/mfa/totp';
import { createMfaAttemptsRepository, createTotpRepository } from './mfa-repository';
import { createPasskeyService, type PasskeyService, type RelyingParty } from '../../../domain/mfa/passkeys';
import { createChallengeRepository, createPasskeyRepository } from './passkey-repository';
import { createOAuthStore } from './oauth-store';
import { createLoginAttemptsRepository, createSessionsRepository } from './sessions-repository';
import { createUsersRepository } from './users-repository';

declare module 'fastify' {
  interface FastifyInstance {
    passwordPolicy: PasswordPolicy;
    userService: UserService;
    loginService: LoginService;
    sessionService: ReturnType<typeof createSessionService>;
    oauthService: OAuthService;
    oauthStore: OAuthStore;
    changePassword: ChangePassword;
    passwordReset: PasswordReset;
    totpService: TotpService;
    passkeyService: PasskeyService;
  }
}

export interface ServicesPluginOptions {
  passwordPolicy: PasswordPolicyOptions;
  argon2: Argon2Options;
  throttle: ThrottleLimits;
  sessions: SessionSettings;
  oauth: OAuthSettings;
  passwordReset: ResetLimits & { resetUrl: string };
  mfaThrottle: ThrottleLimits;
  webauthn: { rp: RelyingParty; ceremonySeconds: number };
}

/** The use cases, wired to their Prisma repositories. */
export default fp<ServicesPluginOptions>(
  async (app, options) => {
    const hasher = createPasswordHasher(options.argon2);
    const policy = createPasswordPolicy(options.passwordPolicy);
    const users = createUsersRepository(app.prisma, app.db);
    const oauthStore = createOAuthStore(app.prisma);

    app.decorate('passwordPolicy', policy);
    app.decorate('userService', createUserService({ users, hasher, policy }));
    const loginService = createLoginService({
      users,
      attempts: createLoginAttemptsRepository(app.db),
      hasher,
      limits: options.throttle,
      maxPasswordLength: options.passwordPolicy.maxLength,
    });
    app.decorate('loginService', loginService);
    app.decorate('changePassword', createChangePassword({ users, hasher, policy, login: loginService }));
    const { resetUrl, ...resetLimits } = options.passwordReset;
    app.decorate(
      'passwordReset',
      createPasswordReset({
        users,
        tokens: createResetTokensRepository(app.prisma),
        requests: createResetRequestsRepository(app.db),
        hasher,
        policy,
        mailer: app.mailer,
        limits: resetLimits,
        resetUrl,
        background: (work) => app.background.run(work),
      }),
    );
    app.decorate(
      'totpService',
      createTotpService({
        store: createTotpRepository(app.prisma, app.db),
        attempts: createMfaAttemptsRepository(app.db),
        limits: options.mfaThrottle,
        issuerName: 'Flotilla',
      }),
    );
    app.decorate(
      'passkeyService',
      createPasskeyService({
        store: createPasskeyRepository(app.prisma, app.db),
        challenges: createChallengeRepository(app.db),
        rp: options.webauthn.rp,
        ceremonySeconds: options.webauthn.ceremonySeconds,
      }),
    );
    app.decorate('sessionService', createSessionService(createSessionsRepository(app.db), options.sessions));
    app.decorate('oauthStore', oauthStore);
    app.decorate(
      'oauthService',
      createOAuthService({
        store: oauthStore,
        signer: app.tokenSigner,
        // SHA-256 for generated client secrets, argon2id for chosen ones (domain/oauth/client-secret.ts).
        secrets: createClientSecretHasher(hasher),
        settings: options.oauth,
      }),
    );
  },
  { name: 'services', fastify: '5.x', dependencies: ['prisma', 'signing', 'mailer'] },
);
