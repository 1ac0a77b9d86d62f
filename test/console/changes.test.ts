import type { Browser, Page, Request } from 'playwright-core';
import { groupHash } from '@groupidentify/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { scrapeMetrics, sumOf } from '../helpers/prometheus.js';
import { pollUntil } from '../helpers/services.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';
import { launchChromium, openWatchedPage, type WatchedPage } from './browser.js';
import { ensureConsoleBuilt } from './console-build.js';
import { identify } from './seed.js';

// docs/console.md#changes: the live list of changes (GET /api/changes/stream read with fetch), in
// a real browser against a real ingest and worker: changes arriving in order, a deletion, the
// type filter in the URL, a pause and a dropped connection resumed without a change missed or
// shown twice, phone width. Screens are saved under test-results/console/.

const services = useIngestAndWorker();
let ingest: TestIngest;
let browser: Browser;
let watched: WatchedPage;
let page: Page;

// A zone that is not UTC and has no daylight saving time.
const ZONE = 'Asia/Kolkata';

/** The page's stream requests, in order: the type asked for and the id it resumes after. */
interface StreamRequest {
  request: Request;
  groupType: string | null;
  lastEventId: string | undefined;
}
const streams: StreamRequest[] = [];
/** The stream requests that ended without a complete answer (closed by the page, or dropped). */
const endedStreams = new Set<Request>();

beforeAll(async () => {
  await ensureConsoleBuilt();
  ingest = services.ingest();
  // Written before the screen opens: the list starts from now, so it never shows this.
  await identify(ingest, {
    group_type: 'org',
    group_value: 'Before',
    group_properties: { early: true },
  });
  await waitForVersion(ingest, 'org', 'Before', 1);
  browser = await launchChromium();
  watched = await openWatchedPage(browser, ingest.url, {
    width: 1280,
    height: 800,
    timezoneId: ZONE,
  });
  page = watched.page;
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname !== '/api/changes/stream') return;
    streams.push({
      request,
      groupType: url.searchParams.get('group_type'),
      lastEventId: request.headers()['last-event-id'],
    });
  });
  page.on('requestfailed', (request) => endedStreams.add(request));
  page.on('requestfinished', (request) => endedStreams.add(request));
});
afterAll(async () => {
  await browser.close();
});

/** The read API's credentials, as a script sends them. */
const keys = () => basic(ingest.apiKey, ingest.secretKey);

interface FeedChange {
  cursor: string;
  kind: string;
  group_type: string;
  /** Absent in a deletion, which carries `group_hash` only. */
  group_value?: string;
  group_hash?: string;
  version: number;
  applied_at: string;
}

/** Every change of the project still in history, oldest first, as a script reads the feed. */
async function feed(groupType?: string): Promise<FeedChange[]> {
  const all: FeedChange[] = [];
  let after = '';
  for (;;) {
    const params = new URLSearchParams({ limit: '1000' });
    if (after !== '') params.set('after', after);
    if (groupType !== undefined) params.set('group_type', groupType);
    const res = await fetch(`${ingest.url}/api/changes?${params.toString()}`, {
      headers: { authorization: keys() },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: FeedChange[]; next_cursor: string };
    all.push(...page.items);
    if (page.items.length === 0) return all;
    after = page.next_cursor;
  }
}

/** Waits until the feed holds `count` changes of `type/value`: committed, ready for readers. */
async function inFeed(type: string, value: string, count: number): Promise<FeedChange[]> {
  return pollUntil(
    async () => {
      const of = (await feed(type)).filter((c) => c.group_value === value);
      return of.length >= count ? of : undefined;
    },
    { timeoutMs: 20_000, description: `${count} changes of ${type}/${value} in the feed` },
  );
}

/** An entry of the list as shown. */
interface Entry {
  cursor: string;
  kind: string;
  type: string;
  value: string;
  version: string;
  href: string;
  time: { text: string; title: string; datetime: string };
  rows: string[][];
}

// Read in the page, in one go (a string: the tests are typechecked without the DOM's types).
const READ_ENTRIES = `[...document.querySelectorAll('ol.change-list > li > article')].map((a) => {
  const link = a.querySelector('.change-title a');
  const time = a.querySelector('time');
  return {
    cursor: a.getAttribute('data-cursor'),
    kind: a.querySelector('.kind').textContent,
    type: link.querySelector('.group-type').textContent,
    value: link.textContent.slice(link.querySelector('.group-type').textContent.length + 1),
    version: a.querySelector('.change-version').textContent,
    href: link.getAttribute('href'),
    time: { text: time.textContent, title: time.title, datetime: time.dateTime },
    rows: [...a.querySelectorAll('table.changes tbody tr')].map((tr) =>
      [...tr.children].map((cell) => cell.textContent),
    ),
  };
})`;

/** The list, top (newest) first. */
const entries = (): Promise<Entry[]> => page.evaluate<Entry[]>(READ_ENTRIES);

/** The entries of one group, oldest first (the order they arrived in). */
const entriesOf = async (value: string): Promise<Entry[]> =>
  (await entries()).filter((e) => e.value === value).reverse();

/** Waits until the list holds `count` entries of `value`; returns them oldest first. */
async function arrived(value: string, count: number): Promise<Entry[]> {
  return pollUntil(
    async () => {
      const of = await entriesOf(value);
      return of.length >= count ? of : undefined;
    },
    { timeoutMs: 20_000, description: `${count} entries of ${value} in the list` },
  );
}

const status = () => page.locator('p.feed-status[role=status]');

async function statusIs(state: string): Promise<void> {
  await page.locator(`p.feed-status[role=status][data-state="${state}"]`).waitFor();
}

/** Ingest's streams waiting for changes (gi_change_waiters): 1 while one stream is open, idle. */
async function waiters(): Promise<number> {
  return sumOf((await scrapeMetrics(ingest.metricsUrl)).samples, 'gi_change_waiters', {});
}

/** The stream the page has open: it was asked for, and has not ended. */
function openStream(): StreamRequest {
  const last = streams.at(-1);
  if (last === undefined || endedStreams.has(last.request)) throw new Error('no open stream');
  return last;
}

/** Every change appears at most once: no cursor twice, no group version twice. */
async function expectNoDuplicates(): Promise<void> {
  const list = await entries();
  const cursors = list.map((e) => e.cursor);
  expect(new Set(cursors).size).toBe(cursors.length);
  const versions = list.map((e) => `${e.type}/${e.value}@${e.version} ${e.kind}`);
  expect(new Set(versions).size).toBe(versions.length);
}

describe('the live list of changes', () => {
  it('shows changes from now as they are applied, newest on top: create, then update', async () => {
    await page.goto(`${ingest.url}/console/`);
    await page.getByLabel('api_key').fill(ingest.apiKey);
    await page.getByLabel('secret_key').fill(ingest.secretKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Changes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Changes' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/changes');
    expect(await page.getByRole('link', { name: 'Changes' }).getAttribute('aria-current')).toBe(
      'page',
    );
    await statusIs('connected');
    expect(await status().textContent()).toBe(
      'Connected: changes of every type appear at the top as they are applied.',
    );
    await page.getByTestId('changes-summary').getByText('No changes since').waitFor();
    expect(await page.getByTestId('changes-summary').textContent()).toContain(
      'This page keeps the latest 500.',
    );
    // One stream, from a cursor the page found for "now" (never `after=now` on a reconnection).
    expect(streams).toHaveLength(1);
    expect(openStream().lastEventId).toMatch(/^\S+$/);

    await identify(ingest, {
      group_type: 'org',
      group_value: 'Live',
      group_properties: { plan: 'free' },
      insert_id: 'live-1',
    });
    const [created] = await arrived('Live', 1);
    expect(created).toMatchObject({ kind: 'create', version: 'version 1', type: 'org' });
    await identify(ingest, {
      group_type: 'org',
      group_value: 'Live',
      group_properties: { plan: 'pro', seats: 2 },
    });
    const shown = await arrived('Live', 2);
    expect(shown.map((e) => [e.kind, e.version])).toStrictEqual([
      ['create', 'version 1'],
      ['update', 'version 2'],
    ]);
    const [first, second] = shown;
    if (first === undefined || second === undefined) throw new Error('two entries');
    expect(first.rows).toStrictEqual([['plan', 'absent', '"free"']]);
    expect(second.rows).toStrictEqual([
      ['plan', '"free"', '"pro"'],
      ['seats', 'absent', '2'],
    ]);
    // Newest on top; nothing from before the screen opened.
    const list = await entries();
    expect(list.map((e) => [e.value, e.kind])).toStrictEqual([
      ['Live', 'update'],
      ['Live', 'create'],
    ]);

    // The same changes, cursors and times as the API gives them; times in the viewer's zone.
    const api = (await feed('org')).filter((c) => c.group_value === 'Live');
    expect(shown.map((e) => e.cursor)).toStrictEqual(api.map((c) => c.cursor));
    expect(shown.map((e) => e.time.title)).toStrictEqual(api.map((c) => c.applied_at));
    expect(shown.map((e) => e.time.datetime)).toStrictEqual(api.map((c) => c.applied_at));
    expect(first.time.text).toContain('GMT+5:30');
    expect(first.href).toBe('#/groups/org/Live');
    await page.getByRole('article').filter({ hasText: 'live-1' }).waitFor();
    expect(await page.getByTestId('changes-summary').textContent()).toMatch(
      /^2 changes since .*, newest first\. This page keeps the latest 500\.$/,
    );
    await watched.screenshot('changes');

    // The group's link goes to its page; coming back starts again from now.
    await page.getByRole('link', { name: 'org Live' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Live' }).waitFor();
    // Leaving the screen closed its stream.
    const left = streams.at(-1);
    await pollUntil(() => left !== undefined && endedStreams.has(left.request), {
      timeoutMs: 10_000,
      description: 'the stream closed when the screen was left',
    });
    await pollUntil(async () => (await waiters()) === 0, {
      timeoutMs: 10_000,
      description: 'no stream open at the server',
    });
    await page.goBack();
    await statusIs('connected');
    expect(await entries()).toStrictEqual([]);
    expect(watched.errors).toStrictEqual([]);
  });

  it('a deletion shows as kind delete, and takes the group’s earlier changes off', async () => {
    await identify(ingest, {
      group_type: 'org',
      group_value: 'Doomed',
      group_properties: { secret: 's3cr3t' },
    });
    const [created] = await arrived('Doomed', 1);
    expect(created?.kind).toBe('create');
    const res = await fetch(`${ingest.url}/api/groups/org/Doomed`, {
      method: 'DELETE',
      headers: { authorization: keys() },
    });
    expect(res.status).toBe(202);
    const deleted = await pollUntil(
      async () => (await entriesOf('Doomed')).find((e) => e.kind === 'delete'),
      { timeoutMs: 20_000, description: 'the deletion in the list' },
    );
    expect(deleted).toMatchObject({ kind: 'delete', version: 'version 1', rows: [] });
    // What was erased is not shown any more (docs/api.md: a reader drops it on `delete`).
    expect(await entriesOf('Doomed')).toStrictEqual([deleted]);
    expect(await page.getByText('s3cr3t').count()).toBe(0);
    await page
      .getByRole('article')
      .filter({
        hasText:
          'The group was deleted: its properties and history are erased. Its earlier change was taken off this list.',
      })
      .waitFor();
    expect(await page.getByTestId('changes-summary').textContent()).toMatch(
      /^2 changes since .*, newest first\. 1 of them was taken off with their group’s deletion\. This page keeps the latest 500\.$/,
    );
    await watched.screenshot('changes-delete');
  });

  it('Pause stops reading; Resume picks up after the last change received, none twice', async () => {
    await statusIs('connected');
    const before = await entries();
    const lastShown = before[0]?.cursor;
    expect(lastShown).toBeDefined();
    const paused = openStream();

    // From the keyboard.
    await page.getByRole('button', { name: 'Pause' }).focus();
    await page.keyboard.press('Enter');
    await statusIs('paused');
    expect(await status().textContent()).toContain('Paused');
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe(
      'none',
    );
    await pollUntil(() => endedStreams.has(paused.request), {
      timeoutMs: 10_000,
      description: 'the paused stream closed by the page',
    });
    await pollUntil(async () => (await waiters()) === 0, {
      timeoutMs: 10_000,
      description: 'no stream open at the server',
    });

    // Applied while paused: in the feed, not on the screen.
    for (const n of [1, 2, 3])
      await identify(ingest, {
        group_type: 'org',
        group_value: 'While paused',
        group_properties: { n },
      });
    await inFeed('org', 'While paused', 3);
    expect(await entries()).toStrictEqual(before);
    const streamsWhilePaused = streams.length;

    await page.keyboard.press('Space'); // the same button, now Resume
    await statusIs('connected');
    const resumed = await arrived('While paused', 3);
    expect(resumed.map((e) => [e.kind, e.version])).toStrictEqual([
      ['create', 'version 1'],
      ['update', 'version 2'],
      ['update', 'version 3'],
    ]);
    expect(resumed.map((e) => e.rows)).toStrictEqual([
      [['n', 'absent', '1']],
      [['n', '1', '2']],
      [['n', '2', '3']],
    ]);
    // One new stream, resuming after the last change shown before the pause.
    expect(streams).toHaveLength(streamsWhilePaused + 1);
    expect(openStream().lastEventId).toBe(lastShown);
    // What was shown before is still there, once, below.
    const after = await entries();
    expect(after.slice(3)).toStrictEqual(before);
    await expectNoDuplicates();
    expect(watched.errors).toStrictEqual([]);
  });

  it('a dropped connection: "reconnecting" with the reason, then it resumes, nothing missed or twice', async () => {
    await statusIs('connected');
    const lastShown = (await entries())[0]?.cursor;
    const dropped = openStream();
    const count = streams.length;
    // The server drops every connection, the stream's included (as a proxy or a restart would).
    ingest.service.server.closeAllConnections();
    await statusIs('reconnecting');
    expect(await status().textContent()).toMatch(
      /^Reconnecting in 2 s: the connection was lost \(.+\)\. It resumes after the last change received\.$/,
    );
    expect(endedStreams.has(dropped.request)).toBe(true);
    // Applied while the page is away.
    await identify(ingest, {
      group_type: 'org',
      group_value: 'Dropped',
      group_properties: { n: 1 },
    });
    await identify(ingest, {
      group_type: 'org',
      group_value: 'Dropped',
      group_properties: { n: 2 },
    });
    await watched.screenshot('changes-reconnecting');

    const shown = await arrived('Dropped', 2);
    expect(shown.map((e) => [e.kind, e.version])).toStrictEqual([
      ['create', 'version 1'],
      ['update', 'version 2'],
    ]);
    await statusIs('connected');
    expect(streams).toHaveLength(count + 1);
    expect(openStream().lastEventId).toBe(lastShown);
    await expectNoDuplicates();
    // The changes since the screen opened, as the feed has them.
    const api = await feed();
    // A deletion carries its group's keyed hash only; the list shows it with the group's value.
    const key = await ingest.store.erasureKeys.keyOf(ingest.projectId);
    const ofGroup = (c: FeedChange, value: string) =>
      c.group_value === value || c.group_hash === groupHash(key, value);
    for (const value of ['Doomed', 'While paused', 'Dropped'])
      expect((await entriesOf(value)).map((e) => e.cursor)).toStrictEqual(
        api.filter((c) => ofGroup(c, value)).map((c) => c.cursor),
      );
    // The only console error: Chromium's word for the stream the server cut off.
    await pollUntil(() => watched.errors.length > 0, {
      timeoutMs: 10_000,
      description: 'the cut stream in the console',
    });
    expect(watched.errors).toStrictEqual([
      'Failed to load resource: net::ERR_INCOMPLETE_CHUNKED_ENCODING',
    ]);
    watched.errors.length = 0;
  });

  it('the type filter: only changes of that type, kept in the URL', async () => {
    await page.getByLabel('Group type').fill('team');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await pollUntil(() => new URL(page.url()).hash === '#/changes?type=team', {
      timeoutMs: 5_000,
      description: 'the type in the URL',
    });
    // The new list's status (the old list's said "every type").
    await status()
      .filter({
        hasText: /^Connected: changes of type “team” appear at the top as they are applied\.$/,
      })
      .waitFor();
    // A new list, from now, of that type.
    expect(await entries()).toStrictEqual([]);
    expect(openStream().groupType).toBe('team');

    // An org change, committed to the feed before the team one is even sent: had the stream
    // not been filtered, it would have come first.
    await identify(ingest, {
      group_type: 'org',
      group_value: 'Not a team',
      group_properties: { x: 1 },
    });
    await inFeed('org', 'Not a team', 1);
    await identify(ingest, {
      group_type: 'team',
      group_value: 'Core',
      group_properties: { size: 5 },
    });
    await arrived('Core', 1);
    const list = await entries();
    expect(list.map((e) => [e.type, e.value, e.kind])).toStrictEqual([['team', 'Core', 'create']]);
    await watched.screenshot('changes-team');

    // A reload keeps the type.
    await page.reload();
    await statusIs('connected');
    expect(new URL(page.url()).hash).toBe('#/changes?type=team');
    expect(await page.getByLabel('Group type').inputValue()).toBe('team');
    expect(openStream().groupType).toBe('team');

    // Back to every type.
    await page.getByLabel('Group type').fill('');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await status().filter({ hasText: 'Connected: changes of every type' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/changes');
    expect(openStream().groupType).toBeNull();
    await identify(ingest, { group_type: 'team', group_value: 'Ops', group_properties: { n: 1 } });
    await identify(ingest, { group_type: 'org', group_value: 'Any', group_properties: { n: 1 } });
    await arrived('Ops', 1);
    await arrived('Any', 1);
    expect(watched.errors).toStrictEqual([]);
  });

  it('reads at phone width without sideways scrolling', async () => {
    const phone = await openWatchedPage(browser, ingest.url, {
      width: 390,
      height: 844,
      timezoneId: ZONE,
    });
    try {
      await phone.page.goto(`${ingest.url}/console/#/changes?type=org`);
      await phone.page.getByLabel('api_key').fill(ingest.apiKey);
      await phone.page.getByLabel('secret_key').fill(ingest.secretKey);
      await phone.page.getByRole('button', { name: 'Sign in' }).click();
      await phone.page.locator('p.feed-status[data-state="connected"]').waitFor();
      const long = 'A group with a rather long name, Incorporated and Partners';
      await identify(ingest, {
        group_type: 'org',
        group_value: long,
        group_properties: {
          description: 'x'.repeat(300),
          address: { street: 'A long street name', city: 'Somewhere', zip: '12345' },
        },
        insert_id: 'a-long-insert-id-from-a-phone-0123456789',
      });
      await phone.page.getByRole('article').filter({ hasText: long }).waitFor();
      expect(
        Number(await phone.page.evaluate('document.documentElement.scrollWidth')),
      ).toBeLessThanOrEqual(390);
      await phone.screenshot('changes-phone');
      expect(phone.errors).toStrictEqual([]);
      expect(phone.foreignRequests).toStrictEqual([]);
    } finally {
      await phone.context.close();
    }
  });

  it('logged no other error and asked nothing of any other origin', () => {
    expect(watched.errors).toStrictEqual([]);
    expect(watched.foreignRequests).toStrictEqual([]);
  });
});
