// `npm run stack` — the whole product on one machine, no Docker (docs/operations.md, docs/operations.md). See
// scripts/stack/run-stack.ts for what it starts and the environment variables it reads.
//
// This file only launches that stack in a process group of its own and forwards signals to it.
// Why: Ctrl-C in a terminal signals the whole foreground process group, and the redis-server and
// FerretDB children the stack starts would get SIGINT at the same moment as the apps, shutting
// down under a worker that is still finishing its jobs. In their own group they only stop when
// the stack stops them, after the apps.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUN_STACK = fileURLToPath(new URL('stack/run-stack.ts', import.meta.url));
// npm forwards the terminal's SIGINT to this process, which also gets it from the terminal:
// one Ctrl-C may arrive twice. Repeats within this window are the same Ctrl-C.
const SAME_SIGNAL_MS = 1000;

// The same node flags (source condition, tsx loader) this process was started with.
const child = spawn(process.execPath, [...process.execArgv, RUN_STACK], {
  detached: true,
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});

let lastForwarded = 0;
const forward = (signal: NodeJS.Signals): void => {
  const now = Date.now();
  if (now - lastForwarded < SAME_SIGNAL_MS) return;
  lastForwarded = now;
  child.kill(signal);
};
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
process.on('SIGHUP', () => forward('SIGTERM'));

child.once('error', (error) => {
  process.stderr.write(`stack: could not start ${RUN_STACK}: ${error.message}\n`);
  process.exit(1);
});
child.once('exit', (code) => {
  process.exit(code ?? 1);
});
