import { defineConfig, devices } from '@playwright/test';
import { nxE2EPreset } from '@nx/playwright/preset';
import { workspaceRoot } from '@nx/devkit';

// BASE_URL points the suite at a running stack (the gateway in CI's compose
// stage). Without it, the suite serves the web app's production build itself.
const baseURL = process.env['BASE_URL'] || 'http://localhost:4300';
const host = new URL(baseURL).hostname;

// Debian's Chromium: no browser download is possible on machines without the
// Playwright CDN. The resolver rule stops Chromium's lookups of outside hosts.
const executablePath = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';
const excluded = ['localhost', '127.0.0.1', host].filter((h, i, all) => all.indexOf(h) === i);

export default defineConfig({
  ...nxE2EPreset(import.meta.dirname, { testDir: './src' }),
  // The journey, gateway and sign-up specs need the composed stack (tools/stack/e2e.sh sets
  // BASE_URL to the gateway); without it only the smoke test runs, against vite preview.
  testIgnore: process.env['BASE_URL'] ? [] : ['**/journey.spec.ts', '**/gateway.spec.ts', '**/signup.spec.ts', '**/account-security.spec.ts'],
  reporter: [['list'], ['html', { outputFolder: '../../dist/.playwright/apps/web-e2e/playwright-report', open: 'never' }]],
  retries: process.env['CI'] ? 1 : 0,
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: process.env['BASE_URL']
    ? undefined
    : {
        // vite preview is started here, in the process group Playwright ends when
        // the run is over. Through `nx run web:preview` it ran in nx's own session
        // and outlived the run (tools/test.sh then had to pkill every preview).
        command: 'npx nx run web:build --outputStyle=static && cd apps/web && exec npx vite preview --strictPort',
        url: 'http://localhost:4300',
        reuseExistingServer: !process.env['CI'],
        cwd: workspaceRoot,
        timeout: 120_000,
      },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-dev-shm-usage',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            `--host-resolver-rules=MAP * ~NOTFOUND, ${excluded.map((h) => `EXCLUDE ${h}`).join(', ')}`,
          ],
        },
      },
    },
  ],
});
