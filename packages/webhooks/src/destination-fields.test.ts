import { describe, expect, it } from 'vitest';
import {
  checkNewDestination,
  MAX_DESCRIPTION_LENGTH,
  MAX_URL_LENGTH,
} from './destination-fields.js';

// The fields of a new destination, as the API and the CLI check them. Public and private
// addresses are IP literals: no DNS is asked.

describe('checkNewDestination', () => {
  it('takes url, group_type and description; null or an empty description is none', async () => {
    expect(
      await checkNewDestination(
        { url: 'https://8.8.8.8/hook', group_type: 'org', description: 'CRM' },
        false,
      ),
    ).toStrictEqual({
      ok: true,
      fields: { url: 'https://8.8.8.8/hook', groupType: 'org', description: 'CRM' },
    });
    expect(
      await checkNewDestination(
        { url: 'https://8.8.8.8/', group_type: null, description: '' },
        false,
      ),
    ).toStrictEqual({ ok: true, fields: { url: 'https://8.8.8.8/' } });
  });

  it.each([
    [[1], 'body'],
    [{ url: 'https://8.8.8.8/', secret: 'x' }, 'secret'],
    [{}, 'url'],
    [{ url: 7 }, 'url'],
    [{ url: `https://8.8.8.8/${'a'.repeat(MAX_URL_LENGTH)}` }, 'url'],
    [{ url: 'ftp://8.8.8.8/' }, 'url'],
    [{ url: 'https://8.8.8.8/', group_type: '' }, 'group_type'],
    [{ url: 'https://8.8.8.8/', group_type: 'g'.repeat(1025) }, 'group_type'],
    [
      { url: 'https://8.8.8.8/', description: 'd'.repeat(MAX_DESCRIPTION_LENGTH + 1) },
      'description',
    ],
    [{ url: 'https://8.8.8.8/', description: 5 }, 'description'],
  ])('%j: refused, naming %s', async (input, field) => {
    expect(await checkNewDestination(input, false)).toMatchObject({ ok: false, field });
  });

  it('refuses a private address unless allowed, with the reason', async () => {
    expect(await checkNewDestination({ url: 'http://127.0.0.1:9/' }, false)).toStrictEqual({
      ok: false,
      field: 'url',
      reason:
        '127.0.0.1 is a loopback, link-local or private address (DESTINATIONS_ALLOW_PRIVATE=true allows it)',
    });
    expect(await checkNewDestination({ url: 'http://127.0.0.1:9/' }, true)).toMatchObject({
      ok: true,
    });
  });
});
