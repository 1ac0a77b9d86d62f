import { HttpError } from '../http-error.js';

/**
 * How many of one kind of long-running request (change streams and long polls; exports) may run
 * at once in this process, per project and in all: a request over a cap is refused at once,
 * never queued (docs/guarantees.md#sharing-one-service-between-projects).
 */
export class ConcurrencyCap {
  private readonly open = new Map<string, number>();
  private total = 0;

  constructor(
    /** What is counted, for the refusal's reason: "change streams and long polls". */
    private readonly what: string,
    private readonly perProject: number,
    private readonly perProcess = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * Takes a slot for `project`; the returned function gives it back (once, however often it is
   * called). Throws a `429` when the project or the process is at its cap.
   */
  take(project: string): () => void {
    const mine = this.open.get(project) ?? 0;
    if (mine >= this.perProject)
      throw capReached(`${this.perProject} ${this.what} of this project are open`);
    if (this.total >= this.perProcess)
      throw capReached(`${this.perProcess} ${this.what} are open in this server process`);
    this.open.set(project, mine + 1);
    this.total++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.total--;
      const left = (this.open.get(project) ?? 1) - 1;
      if (left === 0) this.open.delete(project);
      else this.open.set(project, left);
    };
  }
}

/** Retry-After of a refusal: a slot frees when another request of the kind ends. */
const RETRY_AFTER_SECONDS = 1;

const capReached = (why: string): HttpError =>
  new HttpError(
    429,
    'Too many requests',
    { reason: `${why}; close one or try again later` },
    { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  );
