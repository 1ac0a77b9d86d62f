import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKSPACE_DIRS = ['packages', 'apps'];
// Test files are not compiled; a change to one needs no build.
const SOURCE = /\.(ts|tsx|css|html|json)$/;
const TEST = /\.test\.ts$/;

/**
 * Why the compiled apps (`dist/`) are out of date, or undefined when they are current: a
 * workspace without its compiled entry, or a source, package.json or tsconfig newer than it.
 */
export function whyRebuild(root = ROOT): string | undefined {
  for (const workspace of workspaces(root)) {
    const built = compiledEntry(workspace);
    if (built === undefined) return `${relative(root, workspace)} has never been built`;
    const builtAt = statSync(built).mtimeMs;
    const newer = newestSource(workspace);
    if (newer !== undefined && newer.mtimeMs > builtAt)
      return `${relative(root, newer.path)} changed since the last build`;
  }
  return undefined;
}

/**
 * `npm run build` (tsc for every workspace, vite for the console) when {@link whyRebuild} says so,
 * with a line saying why; fails with the build's output. Whatever runs the compiled apps (`npm run
 * stack`, the benchmark, the tests' setup) builds through here, once, before starting them: a
 * build rewrites files that a running process might be loading.
 */
export function buildIfStale(say: (message: string) => void, root = ROOT): void {
  const why = whyRebuild(root);
  if (why === undefined) {
    say('compiled apps are up to date');
    return;
  }
  say(`building the apps (npm run build; ${why})…`);
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
  say('apps built');
}

function workspaces(root: string): string[] {
  return WORKSPACE_DIRS.flatMap((dir) =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(root, dir, e.name, 'package.json')))
      .map((e) => join(root, dir, e.name)),
  );
}

function compiledEntry(workspace: string): string | undefined {
  return ['dist/main.js', 'dist/index.js']
    .map((f) => join(workspace, f))
    .find((f) => existsSync(f));
}

function newestSource(workspace: string): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  const consider = (path: string) => {
    const mtimeMs = statSync(path).mtimeMs;
    if (newest === undefined || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  };
  for (const f of readdirSync(workspace))
    if (/^(package|tsconfig.*)\.json$/.test(f)) consider(join(workspace, f));
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (SOURCE.test(e.name) && !TEST.test(e.name)) consider(path);
    }
  };
  const src = join(workspace, 'src');
  if (existsSync(src)) walk(src);
  return newest;
}

function relative(root: string, path: string): string {
  return path.startsWith(root) ? path.slice(root.length).replace(/^\//, '') : path;
}
