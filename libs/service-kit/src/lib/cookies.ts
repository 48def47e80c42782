/**
 * Cookie names for browser-facing services. Over https every cookie is a
 * `__Host-` cookie (RFC 6265bis §4.1.3.2; ASVS 5.0 V3.3.1): the browser only
 * accepts it from a secure origin, host-only (no Domain) with Path=/, so a
 * sibling subdomain or a plaintext response cannot plant or shadow it.
 * Browsers refuse the prefix without Secure, so plain-http development
 * (COOKIE_SECURE=false, refused outside development and test) uses the bare name.
 */
export const HOST_PREFIX = '__Host-';

export interface HostCookie {
  readonly name: string;
  /** Always '/': the prefix demands it, and development keeps the same scope. */
  readonly path: '/';
  readonly secure: boolean;
}

export function hostCookie(baseName: string, secure: boolean): HostCookie {
  return {
    name: secure ? `${HOST_PREFIX}${baseName}` : baseName,
    path: '/',
    secure,
  };
}
