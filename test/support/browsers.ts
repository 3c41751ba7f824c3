import { existsSync } from 'node:fs';
import type { LaunchOptions } from '@playwright/test';

/**
 * The engines, from Debian's packages (see shared/BROWSERS.md): Playwright
 * cannot download its own builds on these machines. Chromium runs as root, so
 * it needs --no-sandbox; the other flags stop it calling home on a closed network.
 */
export const engines = {
  chromium: {
    browserName: 'chromium' as const,
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    launchOptions(): LaunchOptions {
      return {
        executablePath: this.executablePath,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      };
    },
  },
  firefox: {
    browserName: 'firefox' as const,
    executablePath: process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr',
    // Debian's Firefox ESR is driven over WebDriver BiDi ('moz-firefox').
    launchOptions(): LaunchOptions {
      return { channel: 'moz-firefox', executablePath: this.executablePath };
    },
  },
};

export type EngineName = keyof typeof engines;

/**
 * Engines to test. Outside CI a missing browser is left out with a warning, so
 * a contributor without one can still run the rest; with CI=true it stays in
 * and its launch fails the run: no silent skips.
 */
export function enginesToTest(): EngineName[] {
  const names = Object.keys(engines) as EngineName[];
  if (process.env['CI'] === 'true') return names;
  return names.filter((name) => {
    const present = existsSync(engines[name].executablePath);
    if (!present)
      console.warn(
        `[offline-trace-buffer] ${name} not found at ${engines[name].executablePath}: its tests are left out (they fail under CI=true).`,
      );
    return present;
  });
}
