import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { ensureConsoleBuilt } from './console-build.js';

// docs/console.md: ingest serves the built console at /console/, hashed assets for a year,
// index.html revalidated, everything under a CSP that allows this origin only and no inline code.

let ingest: TestIngest;
beforeAll(async () => {
  await ensureConsoleBuilt();
  ingest = await startTestIngest();
});
afterAll(async () => {
  await ingest.close();
});

const get = (path: string) => fetch(`${ingest.url}${path}`, { redirect: 'manual' });

function checkCsp(res: Response): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  const directives = new Map(
    csp.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')] as const;
    }),
  );
  expect(directives.get('default-src')).toBe("'self'");
  expect(directives.get('script-src')).toBe("'self'");
  expect(directives.get('style-src')).toBe("'self'");
  expect(directives.get('connect-src')).toBe("'self'");
  expect(directives.get('object-src')).toBe("'none'");
  expect(directives.get('frame-ancestors')).toBe("'none'");
  expect(csp).not.toMatch(/unsafe-|https?:|data:|\*/);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

describe('the console’s static files', () => {
  it('/console redirects to /console/, keeping the query', async () => {
    const res = await get('/console?x=1');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/console/?x=1');
  });

  it('index.html is revalidated on every load and loads only its own files', async () => {
    const res = await get('/console/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    checkCsp(res);
    const html = await res.text();
    // No inline script or style: every script has a src, and nothing points off this origin.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|<style/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('hashed assets are long-lived and immutable, with the CSP too', async () => {
    const html = await (await get('/console/')).text();
    const assets = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.some((a) => a?.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a?.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await get(`/console/${asset ?? ''}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      checkCsp(res);
      const text = await res.text();
      // No web font and no stylesheet or image from elsewhere (the page must work offline).
      if (asset?.endsWith('.css')) expect(text).not.toMatch(/@import|@font-face|url\(/);
    }
  });

  it('a file that is not there is the usual JSON 404', async () => {
    const res = await get('/console/assets/missing-0000.js');
    expect(res.status).toBe(404);
    expect(await res.json()).toStrictEqual({ code: 404, error: 'Not found' });
  });
});
