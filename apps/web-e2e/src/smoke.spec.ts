import { test, expect } from '@playwright/test';

test('when the web app is served, then its page renders the Flotilla heading', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Flotilla');
});
