import { isDeletion, partitionOf } from '@groupidentify/queue-contract';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';
import { launchChromium, openWatchedPage, type WatchedPage } from './browser.js';
import { ensureConsoleBuilt } from './console-build.js';
import { identify, type Identification } from './seed.js';

// docs/console.md: the list's `where` filter (in the URL's hash) and its count, and a group's
// deletion with its confirmation, in a real browser against a real ingest and worker.

const services = useIngestAndWorker();
let ingest: TestIngest;
let browser: Browser;
let watched: WatchedPage;
let page: Page;
/** Every DELETE the page sent, as `type/value` (decoded). */
const deletes: string[] = [];
/** The statuses of the page's reads of org/Doomed, in order. */
const doomedReads: number[] = [];

const GROUPS: Identification[] = [
  {
    group_type: 'org',
    group_value: 'Alpha',
    group_properties: { plan: 'pro', seats: 12, tags: ['beta', 'eu'] },
  },
  { group_type: 'org', group_value: 'Bravo', group_properties: { plan: 'free', seats: 3 } },
  {
    group_type: 'org',
    group_value: 'Charlie',
    group_properties: { plan: 'pro', seats: 5, tags: ['us'] },
  },
  { group_type: 'org', group_value: 'Delta', group_properties: { plan: 'enterprise', seats: 40 } },
  { group_type: 'org', group_value: 'Doomed', group_properties: { plan: 'free', seats: 1 } },
  { group_type: 'org', group_value: 'Spared', group_properties: { plan: 'free', seats: 2 } },
  { group_type: 'team', group_value: 'Core', group_properties: { plan: 'pro', seats: 20 } },
];

beforeAll(async () => {
  await ensureConsoleBuilt();
  ingest = services.ingest();
  await identify(ingest, ...GROUPS);
  for (const g of GROUPS) await waitForVersion(ingest, g.group_type, g.group_value, 1);
  browser = await launchChromium();
  watched = await openWatchedPage(browser, ingest.url, {
    width: 1280,
    height: 800,
    timezoneId: 'UTC',
  });
  page = watched.page;
  page.on('request', (request) => {
    if (request.method() !== 'DELETE') return;
    const path = new URL(request.url()).pathname.replace(/^\/api\/groups\//, '');
    deletes.push(path.split('/').map(decodeURIComponent).join('/'));
  });
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (response.request().method() === 'GET' && pathname === '/api/groups/org/Doomed')
      doomedReads.push(response.status());
  });
});
afterAll(async () => {
  await browser.close();
});

/** The read API, as a script would call it. */
async function api(path: string): Promise<{ status: number; body: unknown }> {
  const credentials = Buffer.from(`${ingest.apiKey}:${ingest.secretKey}`).toString('base64');
  const res = await fetch(`${ingest.url}/api/${path}`, {
    headers: { authorization: `Basic ${credentials}` },
  });
  return { status: res.status, body: await res.json() };
}

const summary = () => page.locator('p.summary[role=status]');
const count = () => page.getByTestId('group-count');
const whereInput = () => page.getByLabel('Where (JSON)');
const shownValues = () => page.locator('table.groups tbody tr td:nth-child(2)').allTextContents();

/** Types a type and a filter into the toolbar and asks for them. */
async function filter(groupType: string, where: string): Promise<void> {
  await page.getByLabel('Group type').fill(groupType);
  await whereInput().fill(where);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
}

/** The list once its summary says `text`, and the count once it says `counted`. */
async function listed(text: string, counted: string): Promise<string[]> {
  await summary().filter({ hasText: text }).waitFor();
  await count()
    .filter({ hasText: new RegExp(`^${counted}$`) })
    .waitFor();
  return shownValues();
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

/** Waits until the focused element is the one whose text is `text`. */
async function focusOn(text: string): Promise<void> {
  await pollUntil(
    async () => (await page.evaluate('document.activeElement?.textContent')) === text,
    { timeoutMs: 5_000, description: `focus on “${text}”` },
  );
}

describe('finding groups by property in the console', () => {
  it('a where filter narrows the list and its count', async () => {
    await page.goto(`${ingest.url}/console/`);
    await page.getByLabel('api_key').fill(ingest.apiKey);
    await page.getByLabel('secret_key').fill(ingest.secretKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await listed('Groups 1–7 of every type · page 1', '7 groups')).toHaveLength(7);

    await filter('org', '{"plan":"pro"}');
    const pro = await listed(
      'Groups 1–2 of type “org” matching the filter · page 1 · no more pages',
      '2 groups match',
    );
    expect(pro.sort()).toStrictEqual(['Alpha', 'Charlie']);
    const hash = new URL(page.url()).hash;
    expect(hash).toBe('#/groups?type=org&where=%7B%22plan%22%3A%22pro%22%7D');
    await watched.screenshot('groups-where');

    // Operators, across every type.
    await filter('', '{"seats":{"$gte":10}}');
    const large = await listed('Groups 1–3 of every type matching the filter', '3 groups match');
    expect(large.sort()).toStrictEqual(['Alpha', 'Core', 'Delta']);

    // A value an array property holds.
    await filter('org', '{"tags":"eu"}');
    expect(
      await listed('Groups 1–1 of type “org” matching the filter', '1 group matches'),
    ).toStrictEqual(['Alpha']);

    await filter('org', '{"plan":"gold"}');
    expect(
      await listed('No groups of type “org” match the filter.', '0 groups match'),
    ).toStrictEqual([]);

    // The counts are the API's.
    const where = encodeURIComponent('{"seats":{"$gte":10}}');
    expect(await api(`groups/count?where=${where}`)).toStrictEqual({
      status: 200,
      body: { count: 3 },
    });
    expect(watched.errors).toStrictEqual([]);
  });

  it('an invalid where shows the server’s reason beside the filter and keeps the list', async () => {
    await filter('org', '{"plan":"pro"}');
    await listed('Groups 1–2 of type “org” matching the filter', '2 groups match');
    const alert = page.locator('#where-error');
    expect(await alert.count()).toBe(0);

    const bad = '{"plan":{"$regex":"^p"}}';
    const refused = await api(`groups?group_type=org&where=${encodeURIComponent(bad)}`);
    expect(refused.status).toBe(400);
    const { reason } = refused.body as { reason: string };
    expect(reason).toContain('$regex');

    await filter('org', bad);
    await alert.filter({ hasText: `Invalid where: ${reason}` }).waitFor();
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await whereInput().getAttribute('aria-invalid')).toBe('true');
    expect(await whereInput().getAttribute('aria-describedby')).toContain('where-error');
    expect(await whereInput().inputValue()).toBe(bad);
    // The list, its summary and its count are those of the last filter the server took.
    expect(
      (await listed('Groups 1–2 of type “org” matching the filter', '2 groups match')).sort(),
    ).toStrictEqual(['Alpha', 'Charlie']);
    expect(new URL(page.url()).hash).toContain(encodeURIComponent('$regex'));
    // Nothing else claims the error: no second alert below the list.
    expect(await page.getByRole('alert').count()).toBe(1);
    await watched.screenshot('groups-where-invalid');
    // The list's request and the count's, refused.
    await expectOnlyErrors(BAD_REQUEST, BAD_REQUEST);

    await filter('org', '{"plan":');
    await alert.filter({ hasText: 'Invalid where: not valid JSON' }).waitFor();
    await expectOnlyErrors(BAD_REQUEST, BAD_REQUEST);

    await filter('org', '{"plan":"free"}');
    const free = await listed('Groups 1–3 of type “org” matching the filter', '3 groups match');
    expect(free.sort()).toStrictEqual(['Bravo', 'Doomed', 'Spared']);
    expect(await alert.count()).toBe(0);
    expect(await whereInput().getAttribute('aria-invalid')).toBeNull();
  });

  it('keeps the filter in the URL: a reload shows the same list, Back the one before', async () => {
    await filter('org', '{"plan":"pro"}');
    await listed('Groups 1–2 of type “org” matching the filter', '2 groups match');
    await filter('', '{"seats":{"$lt":4}}');
    const small = await listed('Groups 1–3 of every type matching the filter', '3 groups match');
    expect(small.sort()).toStrictEqual(['Bravo', 'Doomed', 'Spared']);

    await page.reload();
    expect(
      (await listed('Groups 1–3 of every type matching the filter', '3 groups match')).sort(),
    ).toStrictEqual(['Bravo', 'Doomed', 'Spared']);
    expect(await whereInput().inputValue()).toBe('{"seats":{"$lt":4}}');
    expect(await page.getByLabel('Group type').inputValue()).toBe('');

    await page.goBack();
    expect(
      (await listed('Groups 1–2 of type “org” matching the filter', '2 groups match')).sort(),
    ).toStrictEqual(['Alpha', 'Charlie']);
    expect(await whereInput().inputValue()).toBe('{"plan":"pro"}');
    expect(await page.getByLabel('Group type').inputValue()).toBe('org');

    await page.goForward();
    await listed('Groups 1–3 of every type matching the filter', '3 groups match');
    expect(await whereInput().inputValue()).toBe('{"seats":{"$lt":4}}');
    expect(watched.errors).toStrictEqual([]);
  });
  it('opened on a refused filter at phone width: the reason, no list, no sideways scrolling', async () => {
    const phone = await openWatchedPage(browser, ingest.url, {
      width: 390,
      height: 844,
      timezoneId: 'UTC',
    });
    try {
      const bad = '{"seats":{"$gt":null}}';
      await phone.page.goto(
        `${ingest.url}/console/#/groups?type=org&where=${encodeURIComponent(bad)}`,
      );
      await phone.page.getByLabel('api_key').fill(ingest.apiKey);
      await phone.page.getByLabel('secret_key').fill(ingest.secretKey);
      await phone.page.getByRole('button', { name: 'Sign in' }).click();
      await phone.page
        .locator('#where-error')
        .filter({ hasText: 'Invalid where: seats: $gt takes a number or a string' })
        .waitFor();
      expect(await phone.page.getByLabel('Where (JSON)').inputValue()).toBe(bad);
      await phone.page.locator('p.summary').filter({ hasText: 'No groups listed.' }).waitFor();
      expect(await phone.page.locator('table.groups').count()).toBe(0);
      expect(
        Number(await phone.page.evaluate('document.documentElement.scrollWidth')),
      ).toBeLessThanOrEqual(390);
      await phone.screenshot('groups-where-phone');
      // The sign-in's check is not filtered; the list's request and the count's are refused.
      await pollUntil(() => phone.errors.length >= 2, {
        timeoutMs: 10_000,
        description: 'two 400s',
      });
      expect(phone.errors).toStrictEqual([BAD_REQUEST, BAD_REQUEST]);
      expect(phone.foreignRequests).toStrictEqual([]);
    } finally {
      await phone.context.close();
    }
  });
});

describe('deleting a group in the console', () => {
  it('asks first, says "Deletion queued" until the worker applied it, then "Deleted"', async () => {
    await filter('org', '');
    await listed('Groups 1–6 of type “org” · page 1', '6 groups');
    await page.getByRole('link', { name: 'Doomed', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Doomed' }).waitFor();
    await page.getByRole('group', { name: 'Current properties' }).getByText('"free"').waitFor();

    // The worker may not apply anything of this group until the test says so.
    const partition = partitionOf(
      { project: ingest.projectId, group_type: 'org', group_value: 'Doomed' },
      ingest.config.PARTITIONS,
    );
    const queue = ingest.queue(partition);
    await queue.pause();
    try {
      await page.getByRole('button', { name: 'Delete group…' }).click();
      const question = page.getByRole('group', { name: 'Confirm the deletion' });
      await question.getByText('Really delete org “Doomed”?').waitFor();
      // Focus goes to the safe answer.
      await focusOn('Cancel');
      await watched.screenshot('group-delete-confirm');
      expect(deletes).toStrictEqual([]);

      const readsBefore = doomedReads.length;
      await question.getByRole('button', { name: 'Delete', exact: true }).click();
      const outcome = page.getByTestId('deletion');
      await outcome.filter({ hasText: 'Deletion queued' }).waitFor();
      expect(deletes).toStrictEqual(['org/Doomed']);
      // The page checks, finds the group still there, checks again, and still says "queued".
      await pollUntil(() => doomedReads.length >= readsBefore + 3, {
        timeoutMs: 10_000,
        description: 'the page reading the group three times after the DELETE',
      });
      expect(doomedReads.slice(readsBefore).every((status) => status === 200)).toBe(true);
      // Queued, not applied: the group is still there, and the page keeps saying so.
      await pollUntil(
        async () => (await ingest.jobs(partition)).some((job) => job.data.items.some(isDeletion)),
        { timeoutMs: 5_000, description: 'the erasure in the paused partition' },
      );
      expect((await api('groups/org/Doomed')).status).toBe(200);
      expect(await outcome.textContent()).toContain('Deletion queued');
    } finally {
      await queue.resume();
    }

    const outcome = page.getByTestId('deletion');
    await outcome.filter({ hasText: 'Deleted.' }).waitFor();
    expect(await api('groups/org/Doomed')).toStrictEqual({
      status: 404,
      body: { code: 404, error: 'Group not found' },
    });
    // What was read of it before is not shown any more.
    expect(await page.getByRole('group', { name: 'Current properties' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Reload' }).count()).toBe(0);
    await watched.screenshot('group-deleted');
    // The poll's last read: the group's 404.
    await expectOnlyErrors(NOT_FOUND);

    await outcome.getByRole('link', { name: 'Back to the groups of type “org”' }).click();
    const orgs = await listed('Groups 1–5 of type “org” · page 1 · no more pages', '5 groups');
    expect(orgs.sort()).toStrictEqual(['Alpha', 'Bravo', 'Charlie', 'Delta', 'Spared']);
    expect(deletes).toStrictEqual(['org/Doomed']);
  });

  it('Cancel sends nothing and leaves the group as it was', async () => {
    await page.getByRole('link', { name: 'Spared', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Spared' }).waitFor();
    await page.getByRole('group', { name: 'Current properties' }).getByText('"free"').waitFor();

    await page.getByRole('button', { name: 'Delete group…' }).click();
    const question = page.getByRole('group', { name: 'Confirm the deletion' });
    await question.getByText('Really delete org “Spared”?').waitFor();
    await question.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Delete group…' }).waitFor();
    expect(await question.count()).toBe(0);
    await focusOn('Delete group…');
    expect(await page.getByTestId('deletion').count()).toBe(0);

    expect(deletes).toStrictEqual(['org/Doomed']);
    const spared = await api('groups/org/Spared');
    expect(spared.status).toBe(200);
    expect(spared.body).toMatchObject({ version: 1, properties: { plan: 'free', seats: 2 } });
    const partition = partitionOf(
      { project: ingest.projectId, group_type: 'org', group_value: 'Spared' },
      ingest.config.PARTITIONS,
    );
    expect(
      (await ingest.jobs(partition)).filter((job) => job.data.items.some(isDeletion)),
    ).toStrictEqual([]);
    await page.getByRole('group', { name: 'Current properties' }).getByText('"free"').waitFor();
  });

  it('logged no other error and asked nothing of any other origin', () => {
    expect(watched.errors).toStrictEqual([]);
    expect(watched.foreignRequests).toStrictEqual([]);
  });
});
