import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where each screen's screenshot goes (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/console/', import.meta.url));

/**
 * Debian's Chromium, headless, with everything that would reach the network on its own turned
 * off: the console must work with no network, and nothing may download a browser.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page and what it did that a test must see: console errors, and requests to other origins. */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** `console.error`s, uncaught exceptions, CSP violations and failed loads, as text. */
  errors: string[];
  /** Every URL the page requested outside `origin`. */
  foreignRequests: string[];
  screenshot(name: string): Promise<void>;
}

export async function openWatchedPage(
  browser: Browser,
  origin: string,
  options: { width: number; height: number; timezoneId: string },
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width, height: options.height },
    timezoneId: options.timezoneId,
    locale: 'en-GB',
    // Nothing outside the service may be reached; anything that tries is recorded below too.
    serviceWorkers: 'block',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const foreignRequests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('request', (request) => {
    const url = request.url();
    if (new URL(url).origin !== origin) foreignRequests.push(url);
  });
  // A browser's own Basic-auth dialog would mean the page let a 401 reach the user raw.
  page.on('dialog', (dialog) => {
    errors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    errors,
    foreignRequests,
    async screenshot(name) {
      await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
    },
  };
}
