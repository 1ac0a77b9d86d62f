import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import express, { Router, type Response } from 'express';
import { consoleAssetsDir } from '@groupidentify/console';
import { HttpError } from '../http-error.js';

/**
 * What the page may load and where it may connect: only this origin, no inline script or style,
 * no plugin, no framing. The console needs nothing else (no CDN, no web font), so it works offline.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite names everything it builds into `assets/` after its content: a new build, new names. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const notBuilt = (): HttpError =>
  new HttpError(503, 'Console not built', {
    reason:
      'its static files are missing: run `npm run setup` (or `npm run build -w packages/console`)',
  });

/** The web console at `/console` (docs/console.md): the built static files, and nothing else. */
export function consoleRoutes(dir: string = consoleAssetsDir): Router {
  const router = Router();
  router.use((req, res, next) => {
    setSecurityHeaders(res);
    // Checked on each request, so that a build made after ingest started is served at once.
    if (!existsSync(join(dir, 'index.html'))) {
      next(notBuilt());
      return;
    }
    // `/console` → `/console/`: the page's asset URLs are relative to the directory.
    if (req.path === '/' && !req.originalUrl.split('?')[0]?.endsWith('/')) {
      const query = req.originalUrl.slice(req.originalUrl.split('?')[0]?.length ?? 0);
      res.redirect(301, `${req.baseUrl}/${query}`);
      return;
    }
    next();
  });
  router.use(
    express.static(dir, {
      index: 'index.html',
      redirect: false,
      dotfiles: 'ignore',
      setHeaders: (res, path) => {
        res.setHeader('Cache-Control', cacheControlOf(relative(dir, path)));
      },
    }),
  );
  return router;
}

/**
 * Hashed assets are kept for a year and never revalidated; everything else (index.html, which
 * names the current assets) is revalidated on every load, so a new build shows at once.
 */
function cacheControlOf(file: string): string {
  return file.startsWith(`assets${sep}`) ? IMMUTABLE : 'no-cache';
}

function setSecurityHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}
