/**
 * Screenshots of the API reference as a reader sees it, with headless
 * Chromium: the overview and a few pages. Build the site first.
 *
 *   npm run docs && npx tsx scripts/screenshot-docs.ts [page.html …]
 *
 * Pages are paths under `docs/api/` (default: the overview, `createClusterRpc`,
 * `PrimaryRpc` and `procedure`). The PNGs go to `docs/api/screenshots/`, which
 * is git-ignored with the rest of the site: each page whole, and in slices of
 * 1200 px. Set `CHROMIUM` to use another
 * browser binary than `/usr/bin/chromium`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const SITE = fileURLToPath(new URL('../docs/api/', import.meta.url));
const OUT = join(SITE, 'screenshots');
const VIEWPORT = { width: 1280, height: 900 };
const SLICE_PX = 1200;
const DEFAULT_PAGES = ['index.html', 'functions/createClusterRpc.html', 'interfaces/PrimaryRpc.html', 'variables/procedure.html'];

const pages = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_PAGES;
if (!existsSync(join(SITE, 'index.html'))) {
  console.error('No site in docs/api/: run `npm run docs` first.');
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), 'cluster-rpc-chromium-'));
// A fresh profile each run: nothing cached, nothing synced (Playwright passes it as --user-data-dir).
const context = await chromium
  .launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: VIEWPORT,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  .catch((error: unknown) => {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  });
try {
  const page = await context.newPage();
  for (const path of pages) {
    const file = join(SITE, path);
    if (!existsSync(file)) throw new Error(`No page ${path} in docs/api/`);
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const name = path.replaceAll('/', '_').replace(/\.html$/, '');
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    // Long pages also in slices, which image viewers show without shrinking the text.
    // Runs in the page, where `document` exists; this script's own types know no DOM.
    const height = await page.evaluate<number>('document.documentElement.scrollHeight');
    for (let top = 0, part = 1; top < height; top += SLICE_PX, part += 1) {
      const clip = { x: 0, y: top, width: VIEWPORT.width, height: Math.min(SLICE_PX, height - top) };
      await page.screenshot({ path: join(OUT, `${name}.${part}.png`), fullPage: true, clip });
    }
    console.log(`${join(OUT, name)}.png (${Math.ceil(height / SLICE_PX)} slices)`);
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
