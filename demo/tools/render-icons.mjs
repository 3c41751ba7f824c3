// Renders the PNG icons of the demo's web manifest from icons/icon.svg, with
// the same Chromium the tests use: `node demo/tools/render-icons.mjs`.
// The PNGs are committed; run this again only when the SVG changes.
import { readFile } from 'node:fs/promises';
import { chromium } from '@playwright/test';

const iconDir = new URL('../app/public/icons/', import.meta.url);
const svg = await readFile(new URL('icon.svg', iconDir), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (const size of [192, 512]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`,
    );
    await page.screenshot({ path: new URL(`icon-${size}.png`, iconDir).pathname, omitBackground: true });
    await page.close();
  }
} finally {
  await browser.close();
}
