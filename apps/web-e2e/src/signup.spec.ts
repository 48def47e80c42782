import { expect, test } from '@playwright/test';
import { expectDashboard, newPerson } from './fixtures/people';

// Sign-up as a new person meets it, through the gateway (issue 12, "a sign-up
// that returns to the app"): one password the provider refuses, then a good
// one, and the person ends on the dashboard, signed in. Needs the composed stack.

test('when a new person signs up with one refused password and then a good one, then they land on the dashboard, signed in', async ({
  page,
  baseURL,
}) => {
  const person = newPerson('Signup');
  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await expect(
    page.getByRole('heading', { name: 'Create your account', level: 1 }),
  ).toBeVisible();

  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Display name').fill(person.displayName);
  await page.getByLabel('Password', { exact: true }).fill('too short');
  await page.getByRole('button', { name: 'Create account' }).click();

  // Refused: the form again, the password marked invalid, the way back kept.
  await expect(
    page.getByRole('heading', { name: 'Create your account', level: 1 }),
  ).toBeVisible();
  const password = page.getByLabel('Password', { exact: true });
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(
    page.locator('input[type="hidden"][name="return_to"]'),
  ).toHaveValue(/authorize\?/);

  if ((await page.getByLabel('Email').inputValue()) === '')
    await page.getByLabel('Email').fill(person.email);
  if ((await page.getByLabel('Display name').inputValue()) === '')
    await page.getByLabel('Display name').fill(person.displayName);
  await password.fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();

  await expectDashboard(page);
  expect(new URL(page.url()).origin).toBe(new URL(baseURL ?? '').origin);
  await expect(page.getByText(person.displayName).first()).toBeVisible();
  // Signed in at the API: the session answers /api/me with this person.
  const me = await page.request.get('/api/me');
  expect(me.status()).toBe(200);
  expect(((await me.json()) as { user: { email: string } }).user.email).toBe(
    person.email,
  );
});
