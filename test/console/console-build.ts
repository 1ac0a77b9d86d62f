import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '../helpers/services.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const consoleDir = join(root, 'packages/console');
const built = join(consoleDir, 'dist/web/index.html');
// Beside dist/, not inside dist/web (which each build empties).
const lock = join(consoleDir, 'dist/.test-build-lock');

/**
 * Builds the console's static files if they are missing or older than their sources (the rule of
 * scripts/setup.sh, which `npm test` runs first), so that a test file run alone needs no setup.
 * Test files run in parallel: one builds while the others wait on a lock directory.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  if (upToDate()) return;
  mkdirSync(join(consoleDir, 'dist'), { recursive: true });
  await pollUntil(() => takeLock(), {
    timeoutMs: 180_000,
    description: `the console build lock ${lock}`,
  });
  try {
    if (!upToDate())
      await promisify(execFile)('npm', ['run', '--silent', 'build', '-w', 'packages/console'], {
        cwd: root,
      });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function takeLock(): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    return false;
  }
}

function upToDate(): boolean {
  let builtAt: number;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    return false;
  }
  const sources = [
    join(consoleDir, 'index.html'),
    join(consoleDir, 'vite.config.ts'),
    ...filesUnder(join(consoleDir, 'src')),
  ];
  return sources.every((file) => statSync(file).mtimeMs <= builtAt);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
