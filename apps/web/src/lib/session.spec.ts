import { browser } from './browser';
import { handleSessionExpired, registerDraft, registerUrl, signInUrl, takeDraft } from './session';

const isText = (value: unknown): value is { text: string } =>
  typeof value === 'object' && value !== null && typeof (value as { text?: unknown }).text === 'string';

describe('session helpers', () => {
  it('when building the sign-in address, then returnTo stays a same-origin path', () => {
    expect(signInUrl('/history?direction=in')).toBe('/api/auth/login?returnTo=%2Fhistory%3Fdirection%3Din');
    expect(signInUrl('https://evil.example/')).toBe('/api/auth/login?returnTo=%2F');
    expect(signInUrl('//evil.example/')).toBe('/api/auth/login?returnTo=%2F');
  });

  it('when building the registration address, then it returns through sign-in', () => {
    expect(registerUrl('/')).toBe('/api/auth/login?returnTo=%2F&prompt=create');
  });

  it('when the session expires, then registered drafts are saved once and the user is sent to sign in', () => {
    registerDraft('draft.test', () => ({ text: 'unsent' }));
    registerDraft('draft.empty', () => undefined);

    handleSessionExpired();
    handleSessionExpired();

    expect(browser.assign).toHaveBeenCalledTimes(1);
    expect(browser.assign).toHaveBeenCalledWith('/api/auth/login?returnTo=%2F');
    expect(window.sessionStorage.getItem('draft.empty')).toBeNull();
    expect(takeDraft('draft.test', isText)).toEqual({ text: 'unsent' });
    expect(takeDraft('draft.test', isText)).toBeUndefined();
  });

  it('when a stored draft is malformed, then it is dropped rather than restored', () => {
    window.sessionStorage.setItem('draft.bad', '{"text": 5}');
    window.sessionStorage.setItem('draft.broken', '{not json');
    expect(takeDraft('draft.bad', isText)).toBeUndefined();
    expect(takeDraft('draft.broken', isText)).toBeUndefined();
  });
});
