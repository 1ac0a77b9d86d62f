import { once } from 'node:events';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../http-error.js';
import { consoleRoutes } from './console-routes.js';

// The console's routes on their own, over a directory the test controls: what ingest answers
// before the console is built, and once it is (the build appearing while ingest runs).

const dir = mkdtempSync(join(tmpdir(), 'console-routes-'));
let server: Server;
let base: string;

// As app.ts's error handler answers an HttpError.
const answerHttpErrors: ErrorRequestHandler = (err, _req, res, _next) => {
  if (!(err instanceof HttpError)) throw err;
  res.status(err.status).json(err.body);
};

beforeAll(async () => {
  const app = express();
  app.use('/console', consoleRoutes(dir));
  app.use(answerHttpErrors);
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('consoleRoutes', () => {
  it('answers a clear 503 while the files are not built, whatever the path', async () => {
    for (const path of ['/console', '/console/', '/console/assets/index-1.js']) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(503);
      expect(await res.json()).toStrictEqual({
        code: 503,
        error: 'Console not built',
        reason: expect.stringContaining('npm run setup') as unknown,
      });
    }
  });

  it('serves a build as soon as it exists', async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'export {};');
    const index = await fetch(`${base}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(`${base}/console/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});
