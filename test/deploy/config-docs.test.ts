import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ingestSettingNames } from '@groupidentify/ingest';
import { workerSettingNames } from '@groupidentify/worker';
import { describe, expect, it } from 'vitest';

// The configuration tables are written by hand; these checks keep them in step with the zod
// schemas the apps validate their environment with: every variable an app reads is listed for
// it in docs/operations.md, and no table lists a variable that no app reads.
const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(fileURLToPath(new URL(path, ROOT)), 'utf8');

/** The rows of the first Markdown table after `heading`: variable names and the "used by" cell. */
function configRows(markdown: string, heading: string): { names: string[]; usedBy: string }[] {
  const from = markdown.indexOf(heading);
  expect(from, heading).toBeGreaterThanOrEqual(0);
  const lines = markdown.slice(from).split('\n');
  const start = lines.findIndex((l) => l.startsWith('| variable'));
  const rows: { names: string[]; usedBy: string }[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').map((c) => c.trim());
    const names = [...(cells[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] ?? '');
    rows.push({ names, usedBy: cells[3] ?? '' });
  }
  return rows;
}

const apps = { ingest: ingestSettingNames, worker: workerSettingNames };
const everyName = new Set([...ingestSettingNames, ...workerSettingNames]);

describe('configuration tables', () => {
  it('docs/operations.md lists every variable of each app, for that app', () => {
    const rows = configRows(read('docs/operations.md'), '## Configuration');
    for (const [app, names] of Object.entries(apps)) {
      const listed = new Set(rows.filter((r) => r.usedBy.includes(app)).flatMap((r) => r.names));
      expect(
        names.filter((n) => !listed.has(n)),
        `${app} reads these, docs/operations.md does not list them for it`,
      ).toStrictEqual([]);
    }
  });

  for (const [doc, heading] of [
    ['docs/operations.md', '## Configuration'],
    ['README.md', '## Configuration'],
  ] as const) {
    it(`${doc} lists no variable that no app reads`, () => {
      const listed = configRows(read(doc), heading).flatMap((r) => r.names);
      expect(listed.length).toBeGreaterThan(10);
      expect(listed.filter((n) => !everyName.has(n))).toStrictEqual([]);
    });
  }
});
