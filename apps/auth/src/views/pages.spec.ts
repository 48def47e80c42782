import { loginPage, registerPage } from './pages';

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
});
