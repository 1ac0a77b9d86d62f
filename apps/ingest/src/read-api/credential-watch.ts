import { createHash } from 'node:crypto';

/** The read API's `api_key:secret_key` of a request. */
export interface Credentials {
  user: string;
  password: string;
}

/** How often the credentials of open change streams and long polls are checked again. */
export const RECHECK_EVERY_MS = 2000;

interface Watched {
  project: string;
  credentials: Credentials;
  revoked: Set<() => void>;
}

/**
 * Ends change streams and long polls whose keys stopped working (`project rotate-keys`): every
 * {@link RECHECK_EVERY_MS}, the keys of the open ones are signed in with again, once per
 * project and key pair however many requests use it (100 streams of one project: one query).
 * It reads the store, so a rotation through any process reaches every ingest process. A check
 * that fails (store away) ends nothing: the next one decides.
 */
export class CredentialWatch {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    /** The project of a valid key pair, or undefined (the store's sign-in). */
    private readonly authenticate: (user: string, password: string) => Promise<string | undefined>,
    private readonly everyMs = RECHECK_EVERY_MS,
  ) {}

  /**
   * Calls `onRevoked` (once) when `credentials` no longer sign in to `project`; the returned
   * function stops watching.
   */
  watch(project: string, credentials: Credentials, onRevoked: () => void): () => void {
    const key = [project, credentials.user, digest(credentials.password)].join('\0');
    let entry = this.watched.get(key);
    if (entry === undefined) {
      entry = { project, credentials, revoked: new Set() };
      this.watched.set(key, entry);
    }
    const callback = () => onRevoked();
    entry.revoked.add(callback);
    this.timer ??= setInterval(() => void this.check(), this.everyMs).unref();
    const watched = entry;
    return () => {
      watched.revoked.delete(callback);
      if (watched.revoked.size === 0 && this.watched.get(key) === watched) this.watched.delete(key);
      this.stopWhenIdle();
    };
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await Promise.all(
        [...this.watched].map(async ([key, entry]) => {
          const { user, password } = entry.credentials;
          let project: string | undefined;
          try {
            project = await this.authenticate(user, password);
          } catch {
            return; // the store did not answer: not a rotation
          }
          if (project === entry.project) return;
          this.watched.delete(key);
          for (const revoked of entry.revoked) revoked();
        }),
      );
    } finally {
      this.checking = false;
      this.stopWhenIdle();
    }
  }

  private stopWhenIdle(): void {
    if (this.watched.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

const digest = (secret: string): string => createHash('sha256').update(secret).digest('hex');
