import { defineConfig } from '@playwright/test';
import { engines, enginesToTest } from './test/support/browsers.js';
import { HARNESS_ORIGIN, HARNESS_PORT } from './test/support/harness-origin.js';

export default defineConfig({
  testDir: 'test/browser',
  fullyParallel: true,
  forbidOnly: true,
  // Two cores: more workers than that only adds noise.
  workers: 2,
  retries: 0,
  timeout: 60_000,
  reporter: [['list'], ['json', { outputFile: 'test-results/browser.json' }]],
  use: { baseURL: HARNESS_ORIGIN, trace: 'retain-on-failure' },
  // Playwright empties its output folder on start: keep it apart from the
  // other reports under test-results/ (the unit run's JSON among them).
  outputDir: 'test-results/playwright',
  webServer: {
    // Test pages import the sources through Vite: no build step between edits and runs.
    command: `npx vite --config test/pages/vite.config.ts --port ${HARNESS_PORT} --strictPort --host 127.0.0.1`,
    url: `${HARNESS_ORIGIN}/`,
    // Never reuse: another checkout's server on this port would serve other code.
    reuseExistingServer: false,
    timeout: 60_000,
  },
  projects: enginesToTest().map((name) => ({
    name,
    use: { browserName: engines[name].browserName, launchOptions: engines[name].launchOptions() },
  })),
});
