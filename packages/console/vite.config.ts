import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Builds the page into dist/web/, which ingest serves at /console/ (docs/console.md). Everything
 * the page needs ends up in those files: no CDN, no web font, nothing inline (the CSP forbids it).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the page works wherever /console/ is mounted (a proxy prefix included).
  base: './',
  publicDir: false,
  // Preact's automatic JSX runtime through Vite's own transformer (Oxc in Vite 8): no plugin.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npm run dev -w packages/console`: the page with hot reload, the API of a local ingest.
  server: { proxy: { '/api': process.env['CONSOLE_API_ORIGIN'] ?? 'http://127.0.0.1:8080' } },
  build: {
    outDir: 'dist/web',
    emptyOutDir: true,
    // Assets as files, never `data:` URLs, which the CSP's img-src/font-src 'self' would refuse.
    assetsInlineLimit: 0,
    // Vite would inline a small polyfill script; every browser the console targets has modulepreload.
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
});
