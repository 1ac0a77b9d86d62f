import { writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngest } from '../helpers/ingest.js';
import { scrapeMetrics, sumOf } from '../helpers/prometheus.js';
import { pollUntil } from '../helpers/services.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';
import { launchChromium, openWatchedPage, type WatchedPage } from './browser.js';
import { ensureConsoleBuilt } from './console-build.js';
import { DEAD_LETTER_PAGE, UNCONSUMED, historyOf, seed } from './seed.js';

// docs/console.md, in a real browser against a real stack: sign in, the groups, a group's
// properties, history, an instant and a diff, the operator view's chart and a dead letter
// replayed through it (operator-off.test.ts: a server without ADMIN_TOKEN). Every screen is saved under test-results/console/; the page must log no
// error and ask nothing of any other origin. With CONSOLE_DOCS_SCREENSHOT=1 the group page is
// also saved as docs/console-group.png.

const TOKEN = 'console-test-admin-token';
// A zone that is not UTC and has no daylight saving time: local times are predictable.
const ZONE = 'Asia/Kolkata';
const ZONE_OFFSET_MS = 5.5 * 3600_000;

const services = useIngestAndWorker(
  { ADMIN_TOKEN: TOKEN },
  { WORKER_PARTITIONS: [0, 1, 2, 3].filter((p) => p !== UNCONSUMED).join(',') },
);
let ingest: TestIngest;
let browser: Browser;
let watched: WatchedPage;
let page: Page;
let seeded: Awaited<ReturnType<typeof seed>>;

beforeAll(async () => {
  await ensureConsoleBuilt();
  ingest = services.ingest();
  seeded = await seed(ingest);
  browser = await launchChromium();
  watched = await openWatchedPage(browser, ingest.url, {
    width: 1280,
    height: 800,
    timezoneId: ZONE,
  });
  page = watched.page;
});
afterAll(async () => {
  await browser.close();
});

/** The datetime-local text of an instant in ZONE, as a person there would type it. */
const localInput = (iso: string): string =>
  new Date(Date.parse(iso) + ZONE_OFFSET_MS).toISOString().slice(0, 23);

// In the page (a string: the tests are typechecked without the DOM's types).
const SCROLL_WIDTH = 'document.documentElement.scrollWidth';

const RESOURCE_401 = 'Failed to load resource: the server responded with a status of 401';

/** The failed loads a step caused on purpose, and nothing else; then the slate is clean. */
function expectOnlyErrors(...expected: string[]): void {
  expect(watched.errors.map((e) => e.replace(/ \(Unauthorized\)$/, ''))).toStrictEqual(expected);
  watched.errors.length = 0;
}

describe('the console in a browser', () => {
  it('wrong keys get the 401 in words', async () => {
    await page.goto(`${ingest.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByRole('heading', { name: 'Sign in to a project' }).waitFor();
    await watched.screenshot('sign-in');

    await page.getByLabel('api_key').fill(ingest.apiKey);
    await page.getByLabel('secret_key').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/did not accept these keys.*401 Unauthorized/);
    await watched.screenshot('sign-in-wrong-keys');
    expectOnlyErrors(RESOURCE_401);
  });

  it('lists groups by type, counted, a page at a time', async () => {
    await page.getByLabel('secret_key').fill(ingest.secretKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const summary = page.locator('p.summary[role=status]');
    await summary.filter({ hasText: /Groups 1–\d+ of every type/ }).waitFor();

    await page.getByLabel('Group type').fill('org');
    await page.getByLabel('Per page').selectOption('10');
    await page.getByRole('button', { name: 'Show' }).click();
    await summary
      .filter({ hasText: 'Groups 1–10 of type “org” · page 1 · more on the next page' })
      .waitFor();
    expect(page.url()).toContain('#/groups?type=org');
    expect(await page.locator('table.groups tbody tr').count()).toBe(10);
    await watched.screenshot('groups');

    await page.getByRole('button', { name: 'Next page' }).click();
    const last = `Groups 11–${seeded.orgs} of type “org” · page 2 · no more pages`;
    await summary.filter({ hasText: last }).waitFor();
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await summary.filter({ hasText: 'Groups 1–10 of type “org”' }).waitFor();
  });

  it('a group: its properties, version and times in the viewer’s zone, and its history', async () => {
    await page.getByLabel('Per page').selectOption('50');
    await page.getByRole('link', { name: seeded.acme, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: seeded.acme }).waitFor();
    expect(await page.getByTestId('group-version').textContent()).toBe('2');
    const tree = page.getByRole('group', { name: 'Current properties' });
    await tree.getByText('"pro"').waitFor();
    // Nested values a click away.
    expect(await tree.getByText('"Ada"').count()).toBe(0);
    await tree.getByRole('button', { name: /contacts/ }).click();
    await tree.getByRole('button', { name: /^0 \{ 2 keys \}$/ }).click();
    await tree.getByText('"Ada"').waitFor();

    const [first, second] = await historyOf(ingest, seeded.acme);
    if (first === undefined || second === undefined) throw new Error('two identifications');
    const received = page.locator(`time[datetime="${second.received_at}"]`).first();
    expect(await received.getAttribute('title')).toBe(second.received_at);
    expect(await received.textContent()).toContain('GMT+5:30');

    const latest = page.getByRole('article', { name: 'Version 2' });
    const plan = latest.getByRole('row', { name: /^plan/ });
    expect(await plan.getByRole('cell').allTextContents()).toStrictEqual(['"free"', '"pro"']);
    const seats = latest.getByRole('row', { name: /^seats/ });
    expect(await seats.getByRole('cell').allTextContents()).toStrictEqual(['1', '1234567']);
    expect(await latest.locator('.skipped li').allTextContents()).toStrictEqual([
      '$setOnce of region: already set',
    ]);
    await latest.getByText('acme-2').waitFor();
    const oldest = page.getByRole('article', { name: 'Version 1' });
    expect(
      await oldest.getByRole('row', { name: /^plan/ }).getByRole('cell').allTextContents(),
    ).toStrictEqual(['absent', '"free"']);
    await watched.screenshot('group');
    if (process.env['CONSOLE_DOCS_SCREENSHOT'] === '1')
      writeFileSync(
        new URL('../../docs/console-group.png', import.meta.url),
        await page.screenshot({ fullPage: false }),
      );
  });

  it('the properties at a picked instant, and the difference between two instants', async () => {
    const [first] = await historyOf(ingest, seeded.acme);
    if (first === undefined) throw new Error('an identification');
    await page.getByLabel(/^Instant/).fill(localInput(first.received_at));
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    const asOf = page.getByRole('group', { name: 'Properties at the instant' });
    await asOf.getByText('"free"').waitFor();
    expect(await asOf.getByText('"pro"').count()).toBe(0);

    // Just before the first identification the group did not exist.
    const before = new Date(Date.parse(first.received_at) - 1).toISOString();
    await page.getByLabel(/^Instant/).fill(localInput(before));
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'The group did not exist yet' }).waitFor();
    expectOnlyErrors(
      'Failed to load resource: the server responded with a status of 404 (Not Found)',
    );

    // From the history: the properties right after the first identification.
    await page
      .getByRole('article', { name: 'Version 1' })
      .getByRole('button', { name: 'Properties at this point' })
      .click();
    await asOf.getByText('"free"').waitFor();
    // The browser keeps the value as it likes it (…:03.79 for …:03.790): compare instants.
    const picked = await page.getByLabel(/^Instant/).inputValue();
    expect(Date.parse(`${picked}+05:30`)).toBe(Date.parse(first.received_at));

    await page.getByLabel(/^From/).fill(localInput(first.received_at));
    await page.getByRole('button', { name: 'Compare' }).click();
    const diff = page.locator('table.diff');
    await diff.waitFor();
    expect(await diff.locator('tbody tr').allInnerTexts()).toStrictEqual([
      'plan\tchanged\t"free"\t"pro"',
      'seats\tchanged\t1\t1234567',
    ]);
    await watched.screenshot('group-instants');
  });

  it('works from the keyboard: buttons are buttons, focus is visible', async () => {
    const collapse = page.getByRole('button', { name: 'Collapse all' });
    await collapse.focus();
    await page.keyboard.press('Enter');
    const root = page
      .getByRole('group', { name: 'Current properties' })
      .getByRole('button')
      .first();
    expect(await root.getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    expect(await root.getAttribute('aria-expanded')).toBe('true');
    const outline = await page.evaluate(
      'document.activeElement && getComputedStyle(document.activeElement).outlineStyle',
    );
    expect(outline).not.toBe('none');
  });

  it('the operator view: backlog and lag as /metrics has them, and a dead letter replayed', async () => {
    await page.getByRole('link', { name: 'Operator' }).click();
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Open the operator view' }).click();
    await page.getByRole('alert').filter({ hasText: 'not its ADMIN_TOKEN' }).waitFor();
    expectOnlyErrors(RESOURCE_401);
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Open the operator view' }).click();

    // The stuck partition's row agrees with /metrics once both show its jobs (over a thousand,
    // grouped as en-GB groups them), and it lags.
    const row = page.locator(`tr[data-partition="${UNCONSUMED}"]`);
    await pollUntil(
      async () => {
        const text = (await row.getByTestId('backlog').textContent()) ?? '';
        expect(text).toMatch(/^\d{1,3}(,\d{3})*$/);
        const shown = Number(text.replace(/,/g, ''));
        const { samples } = await scrapeMetrics(ingest.metricsUrl);
        const exposed = sumOf(samples, 'gi_backlog_jobs', { partition: String(UNCONSUMED) });
        const lag = await row.getByTestId('oldest-age').textContent();
        return shown > 1000 && shown === exposed && lag !== '0 s';
      },
      { timeoutMs: 15_000, description: 'the stuck partition charted as /metrics counts it' },
    );
    await page
      .getByTestId('sample-count')
      .filter({ hasText: /· [3-9] samples/ })
      .waitFor();
    expect(await page.locator('svg.sparkline-large polyline').count()).toBe(2);

    // A page of older letters first; the planted one is on the next.
    const letter = page.getByRole('article', { name: `Dead letter ${seeded.letterId}` });
    await page
      .getByRole('status')
      .filter({ hasText: `${DEAD_LETTER_PAGE} dead letters shown, oldest first` })
      .waitFor();
    expect(await letter.count()).toBe(0);
    await page.getByRole('button', { name: 'Load more' }).click();
    await letter.getByText('the store refused the write (planted by the test)').waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: `${DEAD_LETTER_PAGE + 1} dead letters · 1 not replayed yet` })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    await watched.screenshot('operator');
    await letter.getByRole('button', { name: 'Replay', exact: true }).click();
    await page
      .locator('p.outcome')
      .filter({ hasText: `Replayed 1, skipped 0: ${seeded.letterId} → partition` })
      .waitFor();
    await letter.getByRole('button', { name: 'Replay again' }).waitFor();
    const revived = await waitForVersion(ingest, 'org', seeded.revived, 1);
    expect(revived.properties).toStrictEqual({ revived: true });
    await watched.screenshot('operator-replayed');
  });

  it('reads at phone width without sideways scrolling', async () => {
    const phone = await openWatchedPage(browser, ingest.url, {
      width: 390,
      height: 844,
      timezoneId: ZONE,
    });
    try {
      await phone.page.goto(
        `${ingest.url}/console/#/groups/org/${encodeURIComponent(seeded.acme)}`,
      );
      await phone.page.getByLabel('api_key').fill(ingest.apiKey);
      await phone.page.getByLabel('secret_key').fill(ingest.secretKey);
      await phone.page.getByRole('button', { name: 'Sign in' }).click();
      await phone.page.getByRole('article', { name: 'Version 2' }).waitFor();
      const width = Number(await phone.page.evaluate(SCROLL_WIDTH));
      expect(width).toBeLessThanOrEqual(390);
      await phone.screenshot('group-phone');
      await phone.page.getByRole('link', { name: 'Operator' }).click();
      await phone.page.getByLabel('Admin token').fill(TOKEN);
      await phone.page.getByRole('button', { name: 'Open the operator view' }).click();
      await phone.page
        .getByTestId('sample-count')
        .filter({ hasText: /· [1-9] sample/ })
        .waitFor();
      expect(Number(await phone.page.evaluate(SCROLL_WIDTH))).toBeLessThanOrEqual(390);
      await phone.screenshot('operator-phone');
      expect(phone.errors).toStrictEqual([]);
      expect(phone.foreignRequests).toStrictEqual([]);
    } finally {
      await phone.context.close();
    }
  });

  it('logged no error and asked nothing of any other origin', () => {
    expect(watched.errors).toStrictEqual([]);
    expect(watched.foreignRequests).toStrictEqual([]);
  });
});
