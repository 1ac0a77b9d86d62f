import type { ProgressOutput } from './import/import-progress.js';

/** Where the CLI writes: stdout carries only the result, so it can be piped. */
export interface CliIo {
  /** A whole result, as one text. */
  out(text: string): void;
  /** Errors, progress and summaries. */
  err(text: string): void;
  /** Progress that redraws itself on a terminal (stderr, without a newline of its own). */
  progress: ProgressOutput;
  /** Part of a streamed result; resolves when stdout can take more (a slow pipe slows the export). */
  write(chunk: string): Promise<void>;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM: a command that runs until stopped ends cleanly. */
  interrupted: AbortSignal;
}
