import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@groupidentify/local-services';
import { feedChange } from '@groupidentify/store/testing';
import { announceChanges, ChangeNotices, changesChannel } from './change-notices.js';

// What a worker announces after a commit, as the readers of one process see it over a real
// Redis subscription: a wake-up per project, and the committed positions to read up to.
const prefix = uniqueName('gi_notices');
let publisher: Redis;
let notices: ChangeNotices;

beforeAll(async () => {
  publisher = new Redis(inject('redisUrl'));
  notices = await ChangeNotices.subscribe(new Redis(inject('redisUrl')), prefix);
});

afterAll(async () => {
  await notices.close();
  await publisher.quit();
});

const wake = (project: string) => notices.wait(project, notices.counter(project), 5_000);

describe('change notices', () => {
  it('wake the project’s readers and carry the positions committed in the partition', async () => {
    const woken = wake('a');
    await announceChanges(publisher, prefix, 2, new Map([['a', 7]]));
    expect(await woken).toBe(true);
    expect(notices.committed('a')).toEqual([0, 0, 7]);
    // Another partition, and a late notice of a lower position: positions only rise.
    const again = wake('a');
    await announceChanges(publisher, prefix, 0, new Map([['a', 4]]));
    await again;
    const late = wake('a');
    await announceChanges(publisher, prefix, 2, new Map([['a', 5]]));
    await late;
    expect(notices.committed('a')).toEqual([4, 0, 7]);
  });

  it('keep apart projects, and positions read from the store raise them too', async () => {
    const woken = wake('c');
    await announceChanges(publisher, prefix, 1, new Map([['c', 3]]));
    await woken;
    expect(notices.committed('b')).toBeUndefined();
    notices.noteCommitted('b', [2, 0, 9]);
    notices.noteCommitted('b', [1, 5, 8]);
    expect(notices.committed('b')).toEqual([2, 5, 9]);
    expect(notices.committed('c')).toEqual([0, 3]);
  });

  it('understand a notice of projects only (workers before positions were announced)', async () => {
    const woken = wake('d');
    await publisher.publish(changesChannel(prefix), JSON.stringify(['d']));
    expect(await woken).toBe(true);
    expect(notices.committed('d')).toBeUndefined();
  });

  it('keep the changes announced with them for the readers of a project to take', async () => {
    expect(notices.changesAfter('f', 0, 4)).toBeUndefined(); // now a project being read
    const change = feedChange('acme', { kind: 'create', version: 1 });
    const woken = wake('f');
    const segment = { after: 4, to: 6, changes: [{ position: 6, change }] };
    await announceChanges(publisher, prefix, 0, new Map([['f', 6]]), new Map([['f', segment]]));
    await woken;
    expect(notices.changesAfter('f', 0, 4)).toEqual({ to: 6, changes: segment.changes });
    expect(notices.committed('f')).toEqual([6]);
    // Changes that would make the notice over 512 KB stay out of it; the positions go.
    const big = { ...change, changes: { blob: { to: 'x'.repeat(600 * 1024) } } };
    const large = { after: 6, to: 7, changes: [{ position: 7, change: big }] };
    const again = wake('f');
    await announceChanges(publisher, prefix, 0, new Map([['f', 7]]), new Map([['f', large]]));
    await again;
    expect(notices.committed('f')).toEqual([7]);
    expect(notices.changesAfter('f', 0, 6)).toBeUndefined();
  });
});
