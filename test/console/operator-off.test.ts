import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { launchChromium, openWatchedPage } from './browser.js';
import { ensureConsoleBuilt } from './console-build.js';

// docs/console.md: without ADMIN_TOKEN ingest has no operator endpoints, and the console's
// operator screen says so instead of showing anything.

let ingest: TestIngest;
let browser: Browser;
beforeAll(async () => {
  await ensureConsoleBuilt();
  ingest = await startTestIngest();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
  await ingest.close();
});

describe('the operator screen on a server without ADMIN_TOKEN', () => {
  it('says the server has no operator endpoints, whatever token is given', async () => {
    const watched = await openWatchedPage(browser, ingest.url, {
      width: 1280,
      height: 800,
      timezoneId: 'UTC',
    });
    const { page } = watched;
    await page.goto(`${ingest.url}/console/#/operator`);
    await page.getByLabel('Admin token').fill('some-token-of-sixteen-chars');
    await page.getByRole('button', { name: 'Open the operator view' }).click();
    await page.getByRole('alert').filter({ hasText: 'ingest runs without ADMIN_TOKEN' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Partitions' }).count()).toBe(0);
    await watched.screenshot('operator-off');
    // The 404 that /api/admin/… answers anyone then is the only failed load.
    expect(watched.errors).toStrictEqual([
      'Failed to load resource: the server responded with a status of 404 (Not Found)',
    ]);
    expect(watched.foreignRequests).toStrictEqual([]);
  });
});
