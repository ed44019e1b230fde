// Headless Chromium for the explorer tests: Debian's own build (installed by .ci/run), driven by
// playwright-core, which downloads no browser of its own. Screenshots go to test-artifacts/
// (gitignored) so a failed run can be looked at.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../support/processes.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
/** Longest wait for any page condition: generous for a shared 2-core machine, never a sleep. */
export const PAGE_WAIT_MS = 20_000;

export async function launch(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** A laptop-sized page (1366 × 768 CSS px at 100 %) that fails the test on any script error. */
export async function laptopPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({
    viewport: { width: 1366, height: 768 },
    deviceScaleFactor: 1,
  });
  page.setDefaultTimeout(PAGE_WAIT_MS);
  // tsx compiles the tests keeping function names (`__name(fn, "name")`); functions the tests run
  // inside the page need that helper there too.
  await page.addInitScript('window.__name = (fn) => fn;');
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return { page, errors };
}

export async function screenshot(page: Page, name: string, selector?: string): Promise<void> {
  const path = join(ARTIFACTS, `${name}.png`);
  if (selector === undefined) await page.screenshot({ path, fullPage: true });
  else await page.locator(selector).screenshot({ path });
}
