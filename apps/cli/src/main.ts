import { runCli, type CliIo } from './run-cli.js';

const interrupted = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => interrupted.abort());

const io: CliIo = {
  interrupted: interrupted.signal,
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  progress: {
    isTTY: process.stderr.isTTY,
    write: (text) => void process.stderr.write(text),
  },
  write: (chunk) => (process.stdout.write(chunk) ? Promise.resolve() : drained()),
};

function drained(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('close', done);
      resolve();
    };
    process.stdout.on('drain', done);
    process.stdout.on('close', done);
  });
}

// A reader that goes away (`| head`) ends the export: exit quietly, as other tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

// exitCode, not exit(): pending stdout writes to a pipe still get flushed. Every client is
// closed by runCli, so nothing keeps the process alive.
runCli(process.argv.slice(2), process.env, io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    io.err(
      `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  },
);
