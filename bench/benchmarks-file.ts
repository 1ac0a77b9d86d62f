import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const START = '<!-- bench:results:start -->';
export const END = '<!-- bench:results:end -->';

const SKELETON = `# Benchmarks

docs/performance.md figures, each measured side by side with its baseline in one run of \`npm run bench\`
(see bench/). Only the part between the \`bench:results\` markers is rewritten by the bench;
everything else in this file is kept as written.

${START}
${END}

## Analysis

(hand-written; kept by the bench)
`;

/**
 * Puts `results` between the markers of `path` (creating the file from a skeleton if needed),
 * leaving everything outside the markers, such as a hand-written analysis, untouched.
 */
export function writeResults(path: string, results: string): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : SKELETON;
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  // Blank lines around the block and pretty JSON keep the file as Prettier writes it.
  const block = `${START}\n\n${results.trim()}\n\n${END}`;
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + block + text.slice(end + END.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}
