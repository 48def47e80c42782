import { paths } from '../config/constants';
import { browser } from './browser';

type DraftSource = () => unknown;

const draftSources = new Map<string, DraftSource>();
let expiring = false;

/**
 * Forms with unsent input register a snapshot function; when the session expires
 * their state is parked in sessionStorage (tab-scoped, cleared with the tab) and
 * restored after sign-in. Only form input goes there: the session itself lives in
 * httpOnly cookies that script cannot read.
 */
export function registerDraft(storageKey: string, snapshot: DraftSource): () => void {
  draftSources.set(storageKey, snapshot);
  return () => {
    if (draftSources.get(storageKey) === snapshot) draftSources.delete(storageKey);
  };
}

export function takeDraft<T>(storageKey: string, isValid: (value: unknown) => value is T): T | undefined {
  const raw = safeStorage()?.getItem(storageKey);
  if (raw == null) return undefined;
  safeStorage()?.removeItem(storageKey);
  try {
    const value: unknown = JSON.parse(raw);
    return isValid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function signInUrl(returnTo: string = browser.currentPath()): string {
  return `${paths.login}?returnTo=${encodeURIComponent(safeReturnTo(returnTo))}`;
}

/**
 * "Create account" is an ordinary authorization request with prompt=create (OIDC
 * "Initiating User Registration"): the provider opens its sign-up form and, once
 * the account exists, finishes the sign-in, so the user lands back here signed in.
 */
export function registerUrl(returnTo = '/'): string {
  return `${signInUrl(returnTo)}&prompt=create`;
}

export function signIn(returnTo?: string): void {
  browser.assign(signInUrl(returnTo));
}

/** Called when an authenticated call answers 401: save drafts, then go and sign in again. */
export function handleSessionExpired(): void {
  if (expiring) return;
  expiring = true;
  const storage = safeStorage();
  for (const [key, snapshot] of draftSources) {
    const value = snapshot();
    if (value !== undefined) storage?.setItem(key, JSON.stringify(value));
  }
  browser.assign(signInUrl());
}

/** Tests run many sessions in one page. */
export function resetSessionState(): void {
  expiring = false;
  draftSources.clear();
}

/** Only same-origin paths: an open redirect through returnTo would be a phishing aid. */
function safeReturnTo(path: string): string {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\') ? path : '/';
}

function safeStorage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}
