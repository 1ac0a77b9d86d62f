/** Where progress goes: stderr, redrawn in place on a terminal, a line per second otherwise. */
export interface ProgressOutput {
  isTTY: boolean;
  write(text: string): void;
}

const LINE_EVERY_MS = 1000;
const REDRAW_EVERY_MS = 100;
const BAR_WIDTH = 30;

/**
 * Progress of one phase of an import (checking, queueing): lines done of `total` (when known),
 * the rate since the phase began, and the time left at that rate.
 */
export class ImportProgress {
  private readonly startedAt = Date.now();
  private shownAt = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly phase: string,
    /** The line number the phase ends at; undefined when not known yet. */
    private readonly total: number | undefined,
    /** The line number it starts after (a resumed run). */
    private readonly from = 0,
  ) {}

  /** Reached line `line`; `note` says what it waits for, if anything. */
  update(line: number, note?: string): void {
    const now = Date.now();
    if (this.due(now)) this.show(this.describe(line, now, note));
  }

  /** Where a phase without lines stands (the workers applying what was queued). */
  note(text: string): void {
    if (this.due(Date.now())) this.show(`${this.phase}: ${text}`);
  }

  private due(now: number): boolean {
    if (now - this.shownAt < (this.out.isTTY ? REDRAW_EVERY_MS : LINE_EVERY_MS)) return false;
    this.shownAt = now;
    return true;
  }

  private show(text: string): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else this.out.write(`${text}\n`);
  }

  /** Ends the phase's output (the bar's line). */
  end(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  private describe(line: number, now: number, note: string | undefined): string {
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    const rate = (line - this.from) / seconds;
    let head = `${this.phase}: line ${line.toLocaleString('en-US')}`;
    let bar = '';
    if (this.total !== undefined && this.total > 0) {
      const share = Math.min(line / this.total, 1);
      head += ` of ${this.total.toLocaleString('en-US')} (${Math.floor(share * 100)}%)`;
      const filled = Math.round(share * BAR_WIDTH);
      if (this.out.isTTY) bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] `;
    }
    const parts = [bar + head];
    parts.push(`${Math.round(rate).toLocaleString('en-US')} lines/s`);
    if (this.total !== undefined && rate > 0 && line < this.total)
      parts.push(`ETA ${formatDuration((this.total - line) / rate)}`);
    if (note !== undefined) parts.push(note);
    return parts.join(', ');
  }
}

function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
