import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';
import { launchChromium, openWatchedPage, type WatchedPage } from './browser.js';
import { ensureConsoleBuilt } from './console-build.js';

// docs/console.md: an event_time project's group page says how the project orders
// identifications, shows each one's event time beside its receipt, and "Properties at this
// point" goes by event time (docs/semantics.md#event-time).

const services = useIngestAndWorker();
let ingest: TestIngest;
let browser: Browser;
let watched: WatchedPage;
let page: Page;
let keys: { id: string; api_key: string; secret_key: string };
const NINE = '2026-12-05T09:00:00.000Z';
const TEN = '2026-12-05T10:00:00.000Z';

beforeAll(async () => {
  await ensureConsoleBuilt();
  ingest = services.ingest();
  keys = await ingest.store.projects.create('console event time', { ordering: 'event_time' });
  // Arrive 10:00, then 09:00.
  for (const [time, plan] of [
    [TEN, 'pro'],
    [NINE, 'free'],
  ]) {
    const identification = {
      group_type: 'org',
      group_value: 'Late',
      time,
      group_properties: { plan, [plan as string]: true },
    };
    const reply = await send(ingest.url, { json: { api_key: keys.api_key, identification } });
    expect(reply.status).toBe(200);
  }
  await waitForVersion({ ...ingest, projectId: keys.id }, 'org', 'Late', 2);
  browser = await launchChromium();
  watched = await openWatchedPage(browser, ingest.url, {
    width: 1280,
    height: 900,
    timezoneId: 'UTC',
  });
  page = watched.page;
});
afterAll(async () => {
  await browser.close();
});

describe('an event_time project in the console', () => {
  it('shows the ordering, each event time, and the properties at an identification by its event time', async () => {
    await page.goto(`${ingest.url}/console/#/groups/org/Late`);
    await page.getByLabel('api_key').fill(keys.api_key);
    await page.getByLabel('secret_key').fill(keys.secret_key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Late' }).waitFor();
    await page
      .getByTestId('project-ordering')
      .filter({ hasText: 'Identifications apply in event-time order' })
      .waitFor();
    const second = page.getByRole('article', { name: 'Version 2' });
    // The history comes after the header: wait for it, then count.
    await second.getByText('Event time').waitFor();
    expect(await second.locator(`time[datetime="${NINE}"]`).count()).toBe(1);

    // Version 2 arrived last but happened first: the properties at its point are its own.
    await second.getByRole('button', { name: 'Properties at this point' }).click();
    const asOf = page.getByRole('group', { name: 'Properties at the instant' });
    await asOf.getByText('"free"').waitFor();
    expect(await asOf.getByText('"pro"').count()).toBe(0);
    expect(watched.errors).toStrictEqual([]);
    expect(watched.foreignRequests).toStrictEqual([]);
  });
});
