import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import * as OTPAuth from 'otpauth';
import { expectAccessible } from './fixtures/axe';
import { expectDashboard, newPerson, openSignIn, register, signIn, signOut, submitSignIn } from './fixtures/people';

// Account security through the gateway (issue 15): reset by email, TOTP, passkeys.
// Each page met on the way is checked with axe-core. Needs the composed stack and
// its mail catcher (MailDev), whose REST API is published on MAILCATCHER_PORT.

// MailDev's REST API sits under /api in the stack's catcher (as tools/stack/checks/40-alert-mail.sh reads it).
const mailApi = process.env['MAILCATCHER_API'] || `http://127.0.0.1:${process.env['MAILCATCHER_PORT'] || '1080'}/api`;

interface MaildevMail {
  subject: string;
  text: string;
  to: { address: string }[];
}

/** The reset link of the newest mail MailDev holds for `email` (GET /email), waiting for it to arrive. */
async function resetLinkFor(request: APIRequestContext, email: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(
      async () => {
        const response = await request.get(`${mailApi}/email`);
        if (!response.ok()) return undefined;
        const mails = ((await response.json()) as MaildevMail[]).filter((m) => m.to.some((t) => t.address === email));
        link = mails.at(-1)?.text.match(/https?:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]+/)?.[0];
        return link;
      },
      { timeout: 20_000, message: `a reset mail for ${email} in MailDev at ${mailApi}` },
    )
    .toBeTruthy();
  return String(link);
}

// Each journey registers, signs in twice (argon2 and a code exchange each time), may
// wait up to 20 s for a mail, and runs four to six axe scans: more than the default
// 30 s on a loaded 2-core CI machine, as journey.spec.ts found before.
test.describe.configure({ timeout: 120_000 });

const totpOf = (secret: string) => new OTPAuth.TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });

async function goToAccountPage(page: Page, path: string, heading: string): Promise<void> {
  await page.goto(`/auth${path}`);
  await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
}

test('when a person forgets their password, then the emailed link sets a new one and they sign in with it to the dashboard', async ({
  browser,
  page,
  request,
}) => {
  const person = newPerson('Forgetful');
  await register(browser, person);

  await openSignIn(page);
  await expectAccessible(page, 'the sign-in page');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { name: 'Reset your password', level: 1 })).toBeVisible();
  await expectAccessible(page, 'the forgot-password page');
  await page.getByLabel('Email').fill(person.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByRole('status')).toContainText(person.email);

  const link = await resetLinkFor(request, person.email);
  // The link names the public URL (ISSUER); the test follows it through its own gateway address.
  await page.goto(new URL(link).pathname + new URL(link).search);
  await expect(page.getByRole('heading', { name: 'Choose a new password', level: 1 })).toBeVisible();
  await expectAccessible(page, 'the reset page');
  const newPassword = `${person.password} renewed`;
  await page.getByLabel('New password').fill(newPassword);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(/password/i);

  // The old password is refused, the new one signs in.
  await openSignIn(page);
  await submitSignIn(page, person);
  await expect(page.getByRole('alert')).toContainText('incorrect');
  await expectAccessible(page, 'the sign-in page with an error');
  const signedIn = await signIn(browser, { ...person, password: newPassword });
  await expectDashboard(signedIn);
  await signedIn.context().close();
});

test('when a person turns on TOTP with a code computed from the shown key, then signing in again asks for a code and a fresh one opens the dashboard', async ({
  browser,
}) => {
  const person = newPerson('Totp');
  await register(browser, person);
  const page = await signIn(browser, person);
  await expectAccessible(page, 'the dashboard');

  await goToAccountPage(page, '/account/password', 'Change your password');
  await expectAccessible(page, 'the change-password page');

  await goToAccountPage(page, '/account/totp', 'Set up two-factor authentication');
  await expectAccessible(page, 'the TOTP enrolment page');
  const secret = String(await page.locator('#totp-secret').getAttribute('data-secret'));
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const totp = totpOf(secret);
  await page.getByLabel('Code from the app').fill(totp.generate());
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(page.getByRole('heading', { name: 'Two-factor authentication is on', level: 1 })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await expectAccessible(page, 'the recovery codes page');

  await page.goto('/');
  await expectDashboard(page);
  await signOut(page);
  await expectAccessible(page, 'the signed-out landing page');

  await page.getByRole('link', { name: 'Sign in' }).click();
  await submitSignIn(page, person);
  await expect(page.getByRole('heading', { name: 'Two-factor authentication', level: 1 })).toBeVisible();
  await expectAccessible(page, 'the two-factor challenge');
  // The enrolment used the current step: the next step's code is the one a fresh app would show shortly (one step of drift is allowed).
  await page.getByLabel('Code', { exact: true }).fill(totp.generate({ timestamp: Date.now() + 30_000 }));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expectDashboard(page);
  await page.context().close();
});

test('when a person registers a passkey with the browser’s authenticator, then after signing out they sign in with it alone and see the dashboard', async ({
  browser,
}) => {
  const person = newPerson('Passkey');
  await register(browser, person);
  const page = await signIn(browser, person);

  // Chromium's virtual authenticator (DevTools WebAuthn domain): a platform passkey with user verification.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });

  await goToAccountPage(page, '/account/passkeys', 'Passkeys');
  await expectAccessible(page, 'the passkeys page');
  await page.getByLabel('Name of the passkey').fill('e2e virtual authenticator');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Passkey added.' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('list', { name: 'Your passkeys' })).toContainText('e2e virtual authenticator');
  await expectAccessible(page, 'the passkeys page with a passkey');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);

  await page.goto('/');
  await expectDashboard(page);
  await signOut(page);

  await page.getByRole('link', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  // No email, no password: the discoverable credential names the account.
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expectDashboard(page);
  await expect(page.getByText(person.displayName).first()).toBeVisible();
  await page.context().close();
});

test('when the remaining pages are opened, then axe finds no violations: sign-up with errors, a page that does not exist, a spent reset link', async ({
  page,
}) => {
  await page.goto('/');
  await expectAccessible(page, 'the landing page');
  await page.getByRole('link', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Create your account', level: 1 })).toBeVisible();
  await expectAccessible(page, 'the sign-up page');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Create your account', level: 1 })).toBeVisible();
  await expectAccessible(page, 'the sign-up page with errors');

  await page.goto('/no-such-page');
  await expectAccessible(page, 'the not-found page');

  await page.goto('/auth/password/reset?token=not-a-real-token');
  await expectAccessible(page, 'the reset page with a bad token');
});
