import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';

// docs/api.md#read-api: every answer under /api, errors included, is `Cache-Control: no-store`,
// so neither a browser nor a shared cache keeps a project's data.

let ingest: TestIngest;
beforeAll(async () => {
  ingest = await startTestIngest({ ADMIN_TOKEN: 'an-operator-token-of-at-least-16' });
});
afterAll(async () => {
  await ingest.close();
});

describe('Cache-Control on /api', () => {
  it.each([
    ['a page of groups', '/api/groups?group_type=org', true, 200],
    ['a group that does not exist', '/api/groups/org/nobody', true, 404],
    ['a bad parameter', '/api/groups?group_type=org&limit=x', true, 400],
    ['no credentials', '/api/groups?group_type=org', false, 401],
    ['an unknown path', '/api/nowhere', true, 404],
    ['an operator endpoint without the token', '/api/admin/partitions', false, 401],
  ])('is no-store on %s', async (_name, path, signedIn, status) => {
    const res = await fetch(`${ingest.url}${path}`, {
      headers: signedIn ? { authorization: basic(ingest.apiKey, ingest.secretKey) } : {},
    });
    expect(res.status).toBe(status);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('leaves the ingest answers alone', async () => {
    const res = await fetch(`${ingest.url}/healthz`);
    expect(res.headers.get('cache-control')).toBeNull();
  });
});
