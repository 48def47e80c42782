/**
 * Double-submit CSRF: the API sets a non-httpOnly cookie and expects its value
 * echoed in a header on every state-changing request. Both names live here so
 * the API contract changes in one place. Over https the cookie is
 * `__Host-csrf_token` (Secure, Path=/, no Domain: a sibling subdomain cannot
 * plant it); plain-http development, where browsers refuse the prefix, keeps
 * `csrf_token`. The first name present wins.
 */
export const CSRF = {
  cookieNames: ['__Host-csrf_token', 'csrf_token'],
  headerName: 'x-csrf-token',
} as const;

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export const paths = {
  me: '/api/me',
  account: '/api/account',
  transfers: '/api/transfers',
  deposits: '/api/deposits',
  history: '/api/history',
  historyCsv: '/api/history.csv',
  activity: '/api/activity',
  activityStream: '/api/activity/stream',
  login: '/api/auth/login',
  logout: '/api/auth/logout',
  /** The auth service's own page (current + new password); the gateway routes /auth to it. */
  changePassword: '/auth/account/password',
} as const;

/** sessionStorage keys; drafts only, never credentials. */
export const storageKeys = {
  transferDraft: 'flotilla.draft.transfer',
} as const;
