import { expect, test, type Page } from '@playwright/test';
import { balanceOf, newPerson, register, signIn, signOut } from './fixtures/people';

// The whole product, through the gateway, the way two people use it. Needs the
// composed stack: tools/stack/e2e.sh sets BASE_URL to the gateway.

const sendForm = (page: Page) => page.getByRole('region', { name: 'Send money' });
const depositForm = (page: Page) => page.getByRole('region', { name: 'Deposit' });
const history = (page: Page) => page.getByRole('region', { name: 'History' }).getByRole('list', { name: 'Transactions' });
const liveActivity = (page: Page) => page.getByRole('log', { name: 'Live activity' });

async function send(page: Page, to: string, amount: string, note: string): Promise<void> {
  const form = sendForm(page);
  await form.getByLabel('Recipient email').fill(to);
  await form.getByLabel('Amount', { exact: true }).fill(amount);
  await form.getByLabel('Note').fill(note);
  await form.getByRole('button', { name: 'Send' }).click();
}

test('when two people register, deposit and pay each other, then both see it live, in their histories, and a replay pays once', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const alice = newPerson('Alice');
  const bob = newPerson('Bob');

  await test.step('both register', async () => {
    await register(browser, alice);
    await register(browser, bob);
  });

  const [alicePage, bobPage] = await test.step('each signs in, in a browser context of their own', async () =>
    Promise.all([signIn(browser, alice), signIn(browser, bob)]),
  );

  await test.step('Alice deposits 120.00', async () => {
    const form = depositForm(alicePage);
    await form.getByLabel('Deposit amount').fill('120.00');
    await form.getByRole('button', { name: 'Deposit' }).click();
    await expect(form.getByRole('status')).toContainText('Deposited');
    await expect(balanceOf(alicePage)).toContainText('120.00');
  });

  await test.step('Alice sends Bob 42.17; Bob sees it arrive without reloading', async () => {
    await expect(bobPage.getByText('Live', { exact: true })).toBeVisible({ timeout: 15_000 });
    await send(alicePage, bob.email, '42.17', 'Dinner, e2e');
    await expect(sendForm(alicePage).getByRole('status')).toContainText(`Sent`);
    await expect(sendForm(alicePage).getByRole('status')).toContainText(bob.email);
    await expect(balanceOf(alicePage)).toContainText('77.83');

    // No reload on Bob's page: the update arrives over the event stream.
    await expect(liveActivity(bobPage)).toContainText('42.17', { timeout: 15_000 });
    await expect(liveActivity(bobPage)).toContainText(alice.displayName);
    await expect(balanceOf(bobPage)).toContainText('42.17', { timeout: 15_000 });
  });

  await test.step('both histories show the transfer', async () => {
    await expect(history(alicePage).getByRole('listitem').filter({ hasText: 'Dinner, e2e' })).toContainText(
      `To ${bob.displayName}`,
    );
    await expect(history(bobPage).getByRole('listitem').filter({ hasText: 'Dinner, e2e' })).toContainText(
      `From ${alice.displayName}`,
    );
  });

  await test.step('a transfer whose answer is lost and is sent again moves the money once', async () => {
    // The request reaches the API and the transfer happens; the browser never
    // sees the answer. The form keeps its Idempotency-Key and Alice presses Send
    // again, so the API replays the first result instead of paying twice.
    let delivered = 0;
    await alicePage.route(
      (url) => url.pathname === '/api/transfers',
      async (route) => {
        if (route.request().method() !== 'POST') return route.fallback();
        await route.fetch();
        delivered += 1;
        await route.abort('connectionreset');
      },
      { times: 1 },
    );
    await send(alicePage, bob.email, '10.00', 'Replay check, e2e');
    await expect(sendForm(alicePage).getByText('Sending again is safe')).toBeVisible();
    expect(delivered).toBe(1);

    await sendForm(alicePage).getByRole('button', { name: 'Send' }).click();
    await expect(sendForm(alicePage).getByRole('status')).toContainText('Sent');

    await expect(balanceOf(alicePage)).toContainText('67.83');
    await expect(balanceOf(bobPage)).toContainText('52.17', { timeout: 15_000 });
    await alicePage.reload();
    await expect(history(alicePage).getByRole('listitem').filter({ hasText: 'Replay check, e2e' })).toHaveCount(1);
    await expect(balanceOf(alicePage)).toContainText('67.83');
  });

  await test.step("the dashboard as Alice sees it, chart included, kept as a screenshot in the report", async () => {
    await expect(alicePage.getByRole('img', { name: /^Balance, last 30 days/ })).toBeVisible();
    // In the HTML report (dist/.playwright/apps/web-e2e/playwright-report) as the attachment "dashboard".
    const path = test.info().outputPath('dashboard.png');
    await alicePage.screenshot({ path, fullPage: true });
    await test.info().attach('dashboard', { path, contentType: 'image/png' });
  });

  await test.step('both sign out', async () => {
    for (const page of [alicePage, bobPage]) {
      // The auth service ends its own session too (OIDC RP-Initiated Logout) once confirmed, then sends the browser home.
      await signOut(page);
      await page.reload();
      await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
    }
  });
});
