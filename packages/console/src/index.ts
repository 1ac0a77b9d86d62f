import { fileURLToPath } from 'node:url';

/** Where the console's built static files are (`npm run build -w packages/console`). */
export const consoleAssetsDir: string = fileURLToPath(new URL('../dist/web/', import.meta.url));
