import type { DeliveryAttempt } from '@groupidentify/store';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { launchChromium, openWatchedPage, type WatchedPage } from './browser.js';
import { ensureConsoleBuilt } from './console-build.js';

// docs/console.md#webhook-destinations: the Destinations screen in a real browser against a real
// ingest (no worker: nothing is delivered, so the delivery state the page shows is staged through
// the store). Adding one shows its secret once; a refused URL is said beside the field; pause and
// resume; a destination's delivery, per partition, and its latest attempts; deletion after a
// confirmation. Screens are saved under test-results/console/.

let ingest: TestIngest;
let browser: Browser;
let watched: WatchedPage;
let page: Page;
/** Every request the page sent that changes a destination, as `METHOD path`. */
const changes: string[] = [];

// Public addresses written as such: nothing resolves them, and nothing is sent to them here.
const HOOK = 'https://93.184.215.14/hook';
const OTHER_HOOK = 'https://93.184.215.14/other';

beforeAll(async () => {
  await ensureConsoleBuilt();
  ingest = await startTestIngest();
  browser = await launchChromium();
  watched = await openWatchedPage(browser, ingest.url, {
    width: 1280,
    height: 800,
    timezoneId: 'UTC',
  });
  page = watched.page;
  await watched.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: ingest.url,
  });
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (request.method() !== 'GET' && pathname.startsWith('/api/destinations'))
      changes.push(`${request.method()} ${pathname}`);
  });
});
afterAll(async () => {
  await browser.close();
  await ingest.close();
});

/** The destinations API, as a script calls it. */
async function api(
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${ingest.url}/api/${path}`, {
    method,
    headers: {
      authorization: basic(ingest.apiKey, ingest.secretKey),
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as never) };
}

const BAD_REQUEST =
  'Failed to load resource: the server responded with a status of 400 (Bad Request)';
const NOT_FOUND = 'Failed to load resource: the server responded with a status of 404 (Not Found)';

/** Waits until the page logged exactly the failed loads a step caused on purpose; clears them. */
async function expectOnlyErrors(...expected: string[]): Promise<void> {
  await pollUntil(() => watched.errors.length >= expected.length, {
    timeoutMs: 10_000,
    description: `${expected.length} console errors`,
  });
  expect(watched.errors).toStrictEqual(expected);
  watched.errors.length = 0;
}

const summary = () => page.getByTestId('destinations-summary');
const row = (id: string) => page.locator(`tr[data-destination="${id}"]`);
const status = () => page.getByTestId('status').locator('.status-badge');

/** Waits until `locator`'s text is exactly `text` (the screens read again on their own). */
async function textIs(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await pollUntil(async () => (await locator.textContent()) === text, {
    timeoutMs: 10_000,
    description: `“${text}”`,
  });
}

let added: string;

describe('the destinations screen', () => {
  it('adds a destination: its secret is shown once, then it is listed', async () => {
    await page.goto(`${ingest.url}/console/`);
    await page.getByLabel('api_key').fill(ingest.apiKey);
    await page.getByLabel('secret_key').fill(ingest.secretKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Destinations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Destinations' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/destinations');
    expect(
      await page.getByRole('link', { name: 'Destinations' }).getAttribute('aria-current'),
    ).toBe('page');
    await textIs(summary(), 'No destinations yet: add one below.');

    await page.getByLabel('URL').fill(HOOK);
    await page.getByLabel('Group type (optional)').fill('org');
    await page.getByLabel('Description (optional)').fill('CRM sync');
    const answer = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/destinations',
    );
    await page.getByRole('button', { name: 'Add destination' }).click();
    const created = await answer;
    expect(created.status()).toBe(201);
    const body = (await created.json()) as { id: string; secret: string };
    added = body.id;
    expect(body.secret).toMatch(/^whsec_/);

    // The secret, once, said to be shown only now; the form is replaced while it is shown.
    const secretBox = page.getByTestId('new-secret');
    expect(await secretBox.inputValue()).toBe(body.secret);
    expect(await secretBox.getAttribute('readonly')).not.toBeNull();
    await page.getByText('Copy it now: it is not shown again').waitFor();
    expect(await page.getByRole('button', { name: 'Add destination' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Copied to the clipboard.' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(body.secret);

    // Listed, with what was given and its status.
    await row(added).waitFor();
    expect(await row(added).locator('.status-badge').textContent()).toBe('active');
    expect(await row(added).getByRole('link').textContent()).toBe(HOOK);
    expect(await row(added).locator('td').nth(2).textContent()).toBe('org');
    expect(await row(added).locator('td').nth(3).textContent()).toBe('CRM sync');
    await textIs(summary(), '1 destination');
    await watched.screenshot('destinations-secret');

    // Gone once dismissed, and not in the page after a reload either.
    await page.getByRole('button', { name: 'Done: I have kept the secret' }).click();
    expect(await secretBox.count()).toBe(0);
    await page.getByRole('button', { name: 'Add destination' }).waitFor();
    expect(await page.content()).not.toContain(body.secret);
    await page.reload();
    await row(added).waitFor();
    expect(await page.content()).not.toContain(body.secret);
    expect(changes).toStrictEqual(['POST /api/destinations']);
    expect(watched.errors).toStrictEqual([]);
  });

  it('says beside the URL why the server refused it, and adds nothing', async () => {
    await page.getByLabel('URL').fill('http://127.0.0.1:9/hook');
    await page.getByRole('button', { name: 'Add destination' }).click();
    const refusal = page.locator('#destination-url-error');
    await refusal.waitFor();
    expect(await refusal.getAttribute('role')).toBe('alert');
    expect(await refusal.textContent()).toContain(
      '127.0.0.1 is a loopback, link-local or private address',
    );
    const url = page.getByLabel('URL');
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    expect(await url.getAttribute('aria-describedby')).toContain('destination-url-error');
    expect(await url.inputValue()).toBe('http://127.0.0.1:9/hook');
    await expectOnlyErrors(BAD_REQUEST);
    const list = await api('GET', 'destinations');
    expect((list.body.items as unknown[]).length).toBe(1);
    await watched.screenshot('destinations-refused');

    // Corrected, the refusal goes.
    await url.fill(OTHER_HOOK);
    await page.getByRole('button', { name: 'Add destination' }).click();
    await page.getByTestId('new-secret').waitFor();
    expect(await refusal.count()).toBe(0);
    await textIs(summary(), '2 destinations');
    await page.getByRole('button', { name: 'Done: I have kept the secret' }).click();
  });

  it('pauses a destination (a badge in the list) and resumes it', async () => {
    await row(added).getByRole('link', { name: HOOK }).click();
    await page.getByRole('heading', { level: 1, name: HOOK }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/destinations/${added}`);
    await textIs(status(), 'active');

    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await textIs(status(), 'paused');
    await page.getByRole('button', { name: 'Resume', exact: true }).waitFor();
    expect((await api('GET', `destinations/${added}`)).body.status).toBe('paused');

    await page.getByRole('link', { name: 'Destinations' }).first().click();
    await textIs(row(added).locator('.status-badge'), 'paused');
    await textIs(summary(), '2 destinations · 1 paused');
    await watched.screenshot('destinations-paused');

    await row(added).getByRole('link', { name: HOOK }).click();
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await textIs(status(), 'active');
    expect((await api('GET', `destinations/${added}`)).body.status).toBe('active');
    expect(changes.slice(-2)).toStrictEqual([
      `PATCH /api/destinations/${added}`,
      `PATCH /api/destinations/${added}`,
    ]);
  });

  it('shows delivery in all and per partition and the latest attempts, read again on its own', async () => {
    await textIs(page.getByTestId('delivered').locator('dd'), '0');
    await textIs(page.getByTestId('pending').locator('dd'), '0');
    await page.getByText('No attempts yet.').waitFor();

    // As delivery would leave it: the feed has moved on in partitions 0 and 1; partition 0 has
    // delivered 3 changes, partition 1 fails on its first.
    const { store, projectId } = ingest;
    const t = (s: number): Date => new Date(Date.UTC(2026, 11, 5, 10, 0, s));
    for (const [partition, head] of [
      [0, 7],
      [1, 2],
    ] as const) {
      await store.feed.reserve(partition, [
        { epoch: 'destinations-test', job: 1, counts: new Map([[projectId, head]]) },
      ]);
      await store.feed.commit(partition, new Map([[projectId, head]]));
    }
    const ok = (s: number, version: number): DeliveryAttempt => ({
      at: t(s),
      webhook_id: `msg_ok_${s}`,
      group_type: 'org',
      version,
      status: 204,
      duration_ms: 12 + s,
    });
    const p0 = await store.destinations.open(added, 0, 0);
    await store.destinations.advance(p0, 3, 3, [ok(3, 3), ok(2, 2), ok(1, 1)]);
    const failure: DeliveryAttempt = {
      at: t(5),
      webhook_id: 'msg_failed_5',
      group_type: 'org',
      version: 1,
      status: 503,
      error: 'HTTP 503: busy',
      duration_ms: 250,
    };
    const p1 = await store.destinations.open(added, 1, 0);
    await store.destinations.failed(p1, {
      attempt: failure,
      failingSince: t(4),
      retryAt: t(9),
      recent: [failure],
    });

    // No click: the screen reads the destination again every 2 s.
    await textIs(page.getByTestId('delivered').locator('dd'), '3');
    // (7 − 3) + (2 − 0)
    await textIs(page.getByTestId('pending').locator('dd'), '6');
    await textIs(page.getByTestId('last-error').locator('dd'), 'HTTP 503: busy');
    expect(await page.getByTestId('failing-since').locator('time').getAttribute('datetime')).toBe(
      t(4).toISOString(),
    );
    const detail = await api('GET', `destinations/${added}`);
    expect(detail.body).toMatchObject({ delivered: 3, pending: 6, last_error: 'HTTP 503: busy' });

    const attempts = page.locator('table.attempts tbody tr');
    expect(await attempts.count()).toBe(4);
    const cells = async (n: number) => attempts.nth(n).locator('td').allTextContents();
    expect(await cells(0)).toStrictEqual([
      '5 Dec 2026, 10:00:05.000 UTC',
      'msg_failed_5',
      'org',
      '1',
      'HTTP 503: busy',
      '250 ms',
    ]);
    expect(await cells(1)).toStrictEqual([
      '5 Dec 2026, 10:00:03.000 UTC',
      'msg_ok_3',
      'org',
      '3',
      'HTTP 204',
      '15 ms',
    ]);
    expect((await attempts.locator('td:nth-child(2)').allTextContents()).slice(2)).toStrictEqual([
      'msg_ok_2',
      'msg_ok_1',
    ]);
    expect(await attempts.nth(0).getAttribute('data-outcome')).toBe('failed');
    expect(await attempts.nth(1).getAttribute('data-outcome')).toBe('ok');

    const partitions = page.locator('table.delivery-partitions tbody tr');
    expect(await partitions.count()).toBe(2);
    expect(await partitions.nth(0).locator('td').allTextContents()).toStrictEqual([
      '0',
      '3',
      '3',
      '0',
      '—',
      '—',
      '—',
    ]);
    expect(await partitions.nth(1).locator('td').allTextContents()).toStrictEqual([
      '1',
      '0',
      '0',
      '1',
      '5 Dec 2026, 10:00:04.000 UTC',
      '5 Dec 2026, 10:00:09.000 UTC',
      'HTTP 503: busy',
    ]);

    // Failing (as delivery marks it after 3 days): the badge says so without a click.
    await store.destinations.setStatus(projectId, added, 'failing', t(30));
    await textIs(status(), 'failing');
    await page.getByRole('button', { name: 'Resume', exact: true }).waitFor();
    await watched.screenshot('destination-detail');
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await textIs(status(), 'active');
    expect(watched.errors).toStrictEqual([]);
  });

  it('deletes a destination after a confirmation; Cancel sends nothing', async () => {
    const sent = changes.length;
    await page.getByRole('button', { name: 'Delete destination…' }).click();
    await page.getByText(`Really delete the destination ${HOOK}?`).waitFor();
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Cancel');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByRole('button', { name: 'Delete destination…' }).waitFor();
    expect(changes.length).toBe(sent);
    expect((await api('GET', `destinations/${added}`)).status).toBe(200);

    await page.getByRole('button', { name: 'Delete destination…' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByTestId('deletion').filter({ hasText: 'Deleted' }).waitFor();
    expect(changes.slice(sent)).toStrictEqual([`DELETE /api/destinations/${added}`]);
    expect((await api('GET', `destinations/${added}`)).status).toBe(404);

    await page.getByRole('link', { name: 'Back to the destinations' }).click();
    await textIs(summary(), '1 destination');
    expect(await row(added).count()).toBe(0);
    await page.getByRole('link', { name: OTHER_HOOK }).waitFor();
    // A read of the deleted destination under way when it went may have answered 404.
    expect(watched.errors.filter((e) => e !== NOT_FOUND)).toStrictEqual([]);
    expect(watched.foreignRequests).toStrictEqual([]);
  });

  it('reads at phone width without sideways scrolling: the header, the list, a destination', async () => {
    const phone = await openWatchedPage(browser, ingest.url, {
      width: 390,
      height: 844,
      timezoneId: 'UTC',
    });
    const scrollWidth = async () =>
      Number(await phone.page.evaluate('document.documentElement.scrollWidth'));
    try {
      await phone.page.goto(`${ingest.url}/console/#/destinations`);
      await phone.page.getByLabel('api_key').fill(ingest.apiKey);
      await phone.page.getByLabel('secret_key').fill(ingest.secretKey);
      await phone.page.getByRole('button', { name: 'Sign in' }).click();
      await phone.page.getByRole('link', { name: OTHER_HOOK }).click();
      await phone.page.getByRole('heading', { level: 1, name: OTHER_HOOK }).waitFor();
      await phone.page.getByText('No attempts yet.').waitFor();
      expect(await scrollWidth()).toBeLessThanOrEqual(390);
      await phone.screenshot('destination-phone');
      await phone.page.getByRole('link', { name: 'Destinations' }).first().click();
      await phone.page.getByRole('button', { name: 'Add destination' }).waitFor();
      expect(await scrollWidth()).toBeLessThanOrEqual(390);
      await phone.screenshot('destinations-phone');
      expect(phone.errors).toStrictEqual([]);
      expect(phone.foreignRequests).toStrictEqual([]);
    } finally {
      await phone.context.close();
    }
  });
});
