import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The file an import reads twice (to check it, then to queue it), and its SHA-256. */
export interface ImportFile {
  path: string;
  sha256: string;
  /** Removes the copy of stdin, if one was made. */
  dispose(): Promise<void>;
}

/**
 * `source` as a file the import can read more than once: a path as it is, `-` (stdin) copied to a
 * temporary file first. The SHA-256 of its bytes identifies it for `--resume`.
 */
export async function openImportFile(source: string, stdin: Readable): Promise<ImportFile> {
  if (source !== '-') {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(source)) hash.update(chunk as Buffer);
    return { path: source, sha256: hash.digest('hex'), dispose: () => Promise.resolve() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'groupidentify-import-'));
  const path = join(dir, 'stdin');
  const hash = createHash('sha256');
  try {
    await pipeline(stdin, hashing(hash), createWriteStream(path));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    path,
    sha256: hash.digest('hex'),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Passes chunks through, adding them to `hash`. */
function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}
