import { userMfaChangedEvent } from '@flotilla/contracts';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { DomainError } from '../errors';
import { randomToken, sha256Hex } from '../oauth/crypto';
import type { OutboxEvent } from '../users/ports';

/** What a challenge may be answered for; a challenge of one purpose never serves another. */
export type CeremonyPurpose = 'register' | 'login' | 'second_factor';

/** RFC 8176 §2: hwk for a hardware-bound key, swk for one that can leave the device (a synced passkey). */
export type KeyAmr = 'hwk' | 'swk';

export interface PasskeyRecord {
  readonly id: string;
  readonly userId: string;
  readonly publicKey: Uint8Array;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  readonly aaguid: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

export interface PasskeyStore {
  listByUser(userId: string): Promise<PasskeyRecord[]>;
  find(id: string): Promise<PasskeyRecord | undefined>;
  /** Stores the credential and the event atomically; false when the id is already registered. */
  add(record: Omit<PasskeyRecord, 'lastUsedAt'>, event: OutboxEvent): Promise<boolean>;
  /**
   * Records a use: the new counter (only if it rises, or both are 0), the backup
   * state, the time. False when the stored counter moved on meanwhile.
   */
  recordUse(id: string, counter: number, backedUp: boolean, at: Date): Promise<boolean>;
  /** Removes the user's credential and stores the event atomically; false when there was none. */
  remove(userId: string, id: string, event: OutboxEvent): Promise<boolean>;
}

export interface ChallengeStore {
  save(challenge: { id: string; challenge: string; purpose: CeremonyPurpose; userId: string | null; at: Date; expiresAt: Date }): Promise<void>;
  /** Deletes and returns the live challenge: a second take of the same one finds nothing. */
  take(id: string, purpose: CeremonyPurpose, at: Date): Promise<{ challenge: string; userId: string | null } | undefined>;
}

export interface RelyingParty {
  /** WebAuthn RP ID: the host of the origin or a registrable suffix of it (WebAuthn §5.1.4.1). */
  readonly id: string;
  readonly name: string;
  /** The one origin ceremonies may come from, exactly (scheme, host, port). */
  readonly origin: string;
}

export interface PasskeyServiceDeps {
  readonly store: PasskeyStore;
  readonly challenges: ChallengeStore;
  readonly rp: RelyingParty;
  /** How long a ceremony may take, from options to answer. */
  readonly ceremonySeconds: number;
  readonly now?: () => Date;
}

export type PasskeyService = ReturnType<typeof createPasskeyService>;

/** A ceremony started: the options for the browser, and the token its cookie carries back. */
export interface Ceremony<T> {
  readonly options: T;
  readonly token: string;
}

const refused = (message = 'The passkey could not be verified. Try again.') => new DomainError('INVALID_CREDENTIALS', message);

/** Passkeys one account may have: enough for every device, a bound on what one account stores. */
export const MAX_PASSKEYS_PER_USER = 10;

const tooMany = () =>
  new DomainError('TOO_MANY_PASSKEYS', `An account can have at most ${MAX_PASSKEYS_PER_USER} passkeys. Remove one before adding another.`);

export const keyAmr = (deviceType: PasskeyRecord['deviceType']): KeyAmr => (deviceType === 'multiDevice' ? 'swk' : 'hwk');

/**
 * Passkeys (WebAuthn Level 3) with @simplewebauthn/server: registration from the
 * account page, sign-in without a password (discoverable credentials), and use as
 * the second factor. Every ceremony's challenge is kept server-side under the hash
 * of a random token that only the asking browser holds (a cookie), lives
 * `ceremonySeconds`, and is deleted by the one verification that reads it, whatever
 * its outcome: a replayed response finds no challenge. The RP ID and the origin are
 * compared exactly. User verification is required, so a passkey alone is
 * multi-factor (possession + the authenticator's PIN or biometric).
 */
export function createPasskeyService(deps: PasskeyServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const { rp } = deps;

  async function begin(purpose: CeremonyPurpose, userId: string | null, challenge: string): Promise<string> {
    const token = randomToken();
    const at = now();
    await deps.challenges.save({ id: sha256Hex(token), challenge, purpose, userId, at, expiresAt: new Date(at.getTime() + deps.ceremonySeconds * 1000) });
    return token;
  }

  async function take(token: string | undefined, purpose: CeremonyPurpose) {
    if (!token) throw refused('The passkey request expired. Try again.');
    const taken = await deps.challenges.take(sha256Hex(token), purpose, now());
    if (!taken) throw refused('The passkey request expired. Try again.');
    return taken;
  }

  async function authenticate(response: AuthenticationResponseJSON, expectedChallenge: string, userId: string | null) {
    const credential = typeof response?.id === 'string' ? await deps.store.find(response.id) : undefined;
    if (!credential || (userId !== null && credential.userId !== userId)) throw refused();
    // A discoverable credential's user handle must name the same account (WebAuthn §7.2 step 6).
    // The body is only checked to be JSON objects: a user handle that is no string is refused, not decoded.
    const handle: unknown = response.response?.userHandle;
    if (handle !== undefined && handle !== null && typeof handle !== 'string') throw refused();
    if (handle && Buffer.from(handle, 'base64url').toString('utf8') !== credential.userId) throw refused();
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        credential: { id: credential.id, publicKey: credential.publicKey as never, counter: credential.counter, transports: [...credential.transports] as never },
        requireUserVerification: true,
      });
    } catch {
      // Wrong origin, RP ID, challenge or signature, or a counter that did not rise
      // (a possibly cloned authenticator, WebAuthn §6.1.1): all refused alike.
      throw refused();
    }
    if (!verification.verified) throw refused();
    const info = verification.authenticationInfo;
    const recorded = await deps.store.recordUse(credential.id, info.newCounter, info.credentialBackedUp, now());
    if (!recorded) throw refused();
    return { userId: credential.userId, amr: keyAmr(credential.deviceType) };
  }

  return {
    rp,

    list: (userId: string) => deps.store.listByUser(userId),

    async hasPasskeys(userId: string): Promise<boolean> {
      return (await deps.store.listByUser(userId)).length > 0;
    },

    async beginRegistration(user: { id: string; email: string; displayName: string }): Promise<Ceremony<PublicKeyCredentialCreationOptionsJSON>> {
      const existing = await deps.store.listByUser(user.id);
      if (existing.length >= MAX_PASSKEYS_PER_USER) throw tooMany();
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.email,
        userDisplayName: user.displayName,
        // The user handle is the account id: a discoverable sign-in names the account (no email in it).
        userID: new TextEncoder().encode(user.id),
        timeout: deps.ceremonySeconds * 1000,
        attestationType: 'none',
        excludeCredentials: existing.map((c) => ({ id: c.id, transports: [...c.transports] })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        // ES256 and Ed25519, then RS256 for older Windows Hello.
        supportedAlgorithmIDs: [-7, -8, -257],
      });
      return { options, token: await begin('register', user.id, options.challenge) };
    },

    /** Verifies the new credential and stores it; returns its id. */
    async finishRegistration(userId: string, token: string | undefined, response: RegistrationResponseJSON, name: string): Promise<string> {
      const taken = await take(token, 'register');
      if (taken.userId !== userId) throw refused();
      // Checked again at the end: several ceremonies may have been started before the first finished.
      if ((await deps.store.listByUser(userId)).length >= MAX_PASSKEYS_PER_USER) throw tooMany();
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: taken.challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          requireUserVerification: true,
          supportedAlgorithmIDs: [-7, -8, -257],
        });
      } catch {
        throw refused('The passkey could not be registered. Try again.');
      }
      if (!verification.verified) throw refused('The passkey could not be registered. Try again.');
      const info = verification.registrationInfo;
      const at = now();
      const added = await deps.store.add(
        {
          id: info.credential.id,
          userId,
          publicKey: info.credential.publicKey,
          counter: info.credential.counter,
          transports: info.credential.transports ?? [],
          deviceType: info.credentialDeviceType,
          backupEligible: info.credentialDeviceType === 'multiDevice',
          backedUp: info.credentialBackedUp,
          aaguid: info.aaguid,
          name: name.trim().slice(0, 100) || 'Passkey',
          createdAt: at,
        },
        { event: userMfaChangedEvent, payload: { userId, method: 'webauthn', enabled: true, changedAt: at.toISOString() } },
      );
      if (!added) throw refused('This passkey is already registered.');
      return info.credential.id;
    },

    /**
     * Sign-in options. Without a user (passwordless), allowCredentials stays empty
     * so the authenticator offers its discoverable credentials; for the second
     * factor, only the user's own credentials are allowed.
     */
    async beginAuthentication(purpose: 'login' | 'second_factor', userId: string | null): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>> {
      const allow = userId ? (await deps.store.listByUser(userId)).map((c) => ({ id: c.id, transports: [...c.transports] })) : undefined;
      if (purpose === 'second_factor' && !allow?.length) throw refused('This account has no passkey.');
      const options = await generateAuthenticationOptions({
        rpID: rp.id,
        allowCredentials: allow,
        userVerification: 'required',
        timeout: deps.ceremonySeconds * 1000,
      });
      return { options, token: await begin(purpose, userId, options.challenge) };
    },

    /** Verifies an assertion; returns the account and the amr method it proved. */
    async finishAuthentication(
      purpose: 'login' | 'second_factor',
      token: string | undefined,
      response: AuthenticationResponseJSON,
      userId: string | null,
    ): Promise<{ userId: string; amr: KeyAmr }> {
      const taken = await take(token, purpose);
      if (taken.userId !== userId) throw refused();
      return authenticate(response, taken.challenge, userId);
    },

    async remove(userId: string, id: string): Promise<boolean> {
      const at = now();
      return deps.store.remove(userId, id, {
        event: userMfaChangedEvent,
        payload: { userId, method: 'webauthn', enabled: false, changedAt: at.toISOString() },
      });
    },
  };
}
