import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/** What a test may bend in one ceremony, to play a phishing page or a cloned key. */
export interface CeremonyOverrides {
  /** clientDataJSON.origin (the browser reports the page's origin). */
  origin?: string;
  /** The RP ID whose hash goes into authenticatorData. */
  rpId?: string;
  /** The signature counter to report instead of the next one. */
  counter?: number;
  /** clientDataJSON.challenge. */
  challenge?: string;
}

interface StoredKey {
  privateKey: KeyObject;
  userHandle: string;
  counter: number;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array) => Buffer.from(data).toString('base64url');

/**
 * A software WebAuthn authenticator for tests (test-only): ES256 keys from
 * node:crypto, "none" attestation, discoverable credentials, user verification
 * always performed. It builds the same bytes a platform authenticator and browser
 * would (WebAuthn §6.1 authenticator data, §5.8.1 client data), so the server's
 * real verification runs on them.
 */
export class SoftAuthenticator {
  readonly keys = new Map<string, StoredKey>();

  constructor(
    private readonly origin: string,
    private readonly options: { backupEligible?: boolean } = {},
  ) {}

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  private flags(attested: boolean): number {
    // UP | UV, and BE | BS for a synced passkey; AT when credential data follows.
    const backup = this.options.backupEligible ? 0x08 | 0x10 : 0;
    return 0x01 | 0x04 | backup | (attested ? 0x40 : 0);
  }

  create(options: PublicKeyCredentialCreationOptionsJSON, overrides: CeremonyOverrides = {}): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const credentialId = randomBytes(32);
    const id = b64url(credentialId);
    this.keys.set(id, { privateKey, userHandle: options.user.id, counter: 0 });

    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(String(jwk.x), 'base64url')],
        [-3, Buffer.from(String(jwk.y), 'base64url')],
      ]),
    );
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(overrides.counter ?? 0);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      sha256(overrides.rpId ?? options.rp.id ?? new URL(this.origin).hostname),
      Buffer.from([this.flags(true)]),
      counter,
      Buffer.alloc(16), // AAGUID: none
      idLength,
      credentialId,
      Buffer.from(cose),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, number>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, number>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    const clientDataJSON = this.clientData('webauthn.create', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin);
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
    };
  }

  /** Signs an assertion with the named credential, or the first one (a discoverable sign-in). */
  get(options: PublicKeyCredentialRequestOptionsJSON, overrides: CeremonyOverrides = {}, credentialId?: string): AuthenticationResponseJSON {
    const allowed = options.allowCredentials?.map((c) => c.id) ?? [];
    const id = credentialId ?? [...this.keys.keys()].find((k) => allowed.length === 0 || allowed.includes(k));
    const key = id && this.keys.get(id);
    if (!id || !key) throw new Error('no credential for this request');
    key.counter = overrides.counter ?? key.counter + 1;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(key.counter);
    const authData = Buffer.concat([sha256(overrides.rpId ?? options.rpId ?? new URL(this.origin).hostname), Buffer.from([this.flags(false)]), counter]);
    const clientDataJSON = this.clientData('webauthn.get', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin);
    // ECDSA over authenticatorData || SHA-256(clientDataJSON), DER-encoded (WebAuthn §6.3.3, §6.5.5).
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), key.privateKey);
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: key.userHandle,
      },
    };
  }
}
