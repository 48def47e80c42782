import { changePasswordPage, forgotPasswordPage, loginPage, passkeysPage, registerPage, resetPasswordPage } from './pages';

const ctx = { prefix: '/auth' };

describe('server-rendered pages', () => {
  it('when the login page has a field error, then the input points at it with aria-describedby and aria-invalid', () => {
    const page = loginPage(ctx, { csrfToken: 't', email: 'a@b.test', fieldErrors: { password: 'Enter your password.' } });
    expect(page).toContain('<label for="email">Email</label>');
    expect(page).toContain('<label for="password">Password</label>');
    expect(page).toMatch(/<input id="password"[^>]*aria-describedby="password-error"[^>]*aria-invalid="true">/);
    expect(page).toContain('<p class="field-error" id="password-error">Enter your password.</p>');
    expect(page).toContain('action="/auth/login"');
  });

  it('when user input is echoed back, then it is escaped', () => {
    const page = registerPage(ctx, {
      csrfToken: 't',
      email: '"><script>alert(1)</script>',
      displayName: '<img src=x onerror=alert(1)>',
      minPasswordLength: 15,
      maxPasswordLength: 128,
    });
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('when the register page renders, then the password hint states the configured lengths', () => {
    const page = registerPage(ctx, { csrfToken: 't', minPasswordLength: 20, maxPasswordLength: 200 });
    expect(page).toContain('At least 20 characters (up to 200)');
    expect(page).toMatch(/id="password"[^>]*minlength="20"/);
  });

  it('when the password change page has errors, then each is tied to its input and the username travels for password managers', () => {
    const page = changePasswordPage(ctx, {
      csrfToken: 't',
      email: 'a@b.test',
      fieldErrors: { currentPassword: 'The current password is incorrect.', newPassword: 'Too short.' },
      minPasswordLength: 15,
      maxPasswordLength: 128,
    });
    expect(page).toContain('action="/auth/account/password"');
    expect(page).toMatch(/<input id="currentPassword"[^>]*autocomplete="current-password"[^>]*aria-describedby="currentPassword-error"[^>]*aria-invalid="true">/);
    expect(page).toMatch(/<input id="newPassword"[^>]*aria-describedby="newPassword-hint newPassword-error"[^>]*aria-invalid="true">/);
    expect(page).toContain('<input type="hidden" name="email" value="a@b.test" autocomplete="username">');
  });

  it('when the reset pages render, then the token rides in a hidden field and the sent notice is a status', () => {
    expect(resetPasswordPage(ctx, { csrfToken: 't', token: 'abc"def', minPasswordLength: 15, maxPasswordLength: 128 })).toContain(
      '<input type="hidden" name="token" value="abc&quot;def">',
    );
    const sent = forgotPasswordPage(ctx, { csrfToken: 't', email: 'a@b.test', sentTo: 'a@b.test', ttlMinutes: 30 });
    expect(sent).toContain('<p role="status">If an account uses a@b.test');
    expect(sent).toContain('for 30 minutes');
  });

  it('when a page offers passkeys, then its script is the same-origin file (nothing inline) and the button names its endpoint, token and live status', () => {
    const page = loginPage(ctx, { csrfToken: 'tok', returnTo: '/auth/authorize?client_id=x' });
    expect(page).toContain('<script src="/auth/assets/passkeys.js" defer></script>');
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).toMatch(/<button type="button" data-passkey="login" data-action="\/auth\/login\/passkey" data-csrf="tok" data-return-to="\/auth\/authorize\?client_id=x" aria-describedby="passkey-status">Sign in with a passkey<\/button>/);
    expect(page).toContain('<p class="field-error" id="passkey-status" role="status" aria-live="polite"></p>');
    expect(registerPage(ctx, { csrfToken: 't', minPasswordLength: 15, maxPasswordLength: 128 })).not.toContain('<script');
  });

  it('when the passkeys page lists a passkey, then its name is escaped and its remove button says which one', () => {
    const page = passkeysPage(ctx, {
      csrfToken: 't',
      passkeys: [{ id: 'abc', name: '<b>Laptop</b>', synced: true, createdAt: new Date('2026-12-01T00:00:00Z'), lastUsedAt: null }],
    });
    expect(page).toContain('<strong>&lt;b&gt;Laptop&lt;/b&gt;</strong> (synced), added 2026-12-01');
    expect(page).toContain('aria-label="Remove &lt;b&gt;Laptop&lt;/b&gt;"');
    expect(page).toContain('<label for="passkey-name">Name of the passkey</label>');
  });
});
