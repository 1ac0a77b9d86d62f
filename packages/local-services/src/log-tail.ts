import { open } from 'node:fs/promises';

/** The last `maxLines` lines of a log file, for error messages; '' if it cannot be read. */
export async function logTail(file: string, maxLines = 30, maxBytes = 16_384): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - maxBytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-maxLines).join('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}
