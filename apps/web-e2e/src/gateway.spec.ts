import { expect, test } from '@playwright/test';

// What the gateway promises the outside world. Needs the composed stack.

test('when the API docs are opened through the gateway, then Swagger UI renders the OpenAPI document', async ({ page }) => {
  const spec = page.waitForResponse((response) => response.url().includes('/api/docs/json') && response.ok());
  await page.goto('/api/docs');
  const document = (await (await spec).json()) as { openapi?: string };
  expect(document.openapi).toMatch(/^3\./);
  await expect(page.locator('.swagger-ui .info .title')).toBeVisible();
  await expect(page.locator('.swagger-ui .opblock').first()).toBeVisible();
});

for (const path of ['/api/metrics', '/auth/metrics', '/metrics']) {
  test(`when ${path} is requested from outside, then the gateway does not serve metrics`, async ({ request }) => {
    const response = await request.get(path);
    expect(response.status()).toBe(404);
    expect(await response.text()).not.toContain('# TYPE');
  });
}

test('when a request carries a well-formed X-Request-Id, then the gateway passes it on and echoes it', async ({ request }) => {
  const id = `e2e-${Date.now()}-request`;
  const response = await request.get('/api/docs/json', { headers: { 'X-Request-Id': id } });
  expect(response.status()).toBe(200);
  expect(response.headers()['x-request-id']).toBe(id);
});

test('when the app is loaded, then the gateway adds the security headers and a request id', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  expect(headers['cache-control']).toBe('no-cache');
});

test('when one client floods the token endpoint, then the gateway refuses the excess with 429', async ({ request }) => {
  // The token zone allows a burst of 40 above 2 per second; 60 back-to-back
  // requests must meet the limit. The gateway's own 429 is nginx's HTML page,
  // which tells it apart from any limit inside the provider (JSON).
  const answers: { status: number; type: string }[] = [];
  for (let i = 0; i < 60; i += 1) {
    const response = await request.post('/auth/token', { form: { grant_type: 'client_credentials' } });
    answers.push({ status: response.status(), type: response.headers()['content-type'] ?? '' });
  }
  expect(answers[0]?.status).not.toBe(429);
  const limited = answers.filter((a) => a.status === 429 && a.type.startsWith('text/html'));
  expect(limited.length).toBeGreaterThanOrEqual(10);
});
