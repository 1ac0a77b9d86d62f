const started = Date.now();

/** One progress line on stderr, with the time since the bench started (stdout holds results). */
export function step(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`bench [${seconds}s] ${message}\n`);
}

/** Seconds since the bench started. */
export function elapsedSeconds(): number {
  return (Date.now() - started) / 1000;
}
