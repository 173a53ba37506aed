/**
 * A progress line for long training jobs, on stderr: epoch, batch i/n, loss, throughput and ETA.
 * On a TTY it redraws one line in place (at most 10 times a second); otherwise (CI logs, files) it
 * prints a plain line every `logIntervalMs` and one at the end of each epoch, so logs stay readable.
 */

/** The slice of a writable stream the bar needs (process.stderr, or a test double). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Default `process.stderr`. */
  stream?: ProgressStream;
  /** Default: `stream.isTTY`. */
  tty?: boolean;
  /** Plain mode: milliseconds between lines within an epoch. Default 10,000. */
  logIntervalMs?: number;
  /** Clock in milliseconds. Default `performance.now`. */
  now?: () => number;
  /** Prefix of every line, e.g. the model name. */
  label?: string;
}

/** What the bar shows after a batch. */
export interface ProgressUpdate {
  /** Batches done in this epoch, 1-based. */
  batch: number;
  /** Sequences done in this epoch. */
  sequences: number;
  /** Running mean loss of this epoch. */
  loss: number;
  /** Running accuracy of this epoch, in [0, 1], when there is one. */
  accuracy?: number;
}

const REDRAW_MS = 100;

export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly logIntervalMs: number;
  private readonly now: () => number;
  private readonly label: string;
  private epoch = 0;
  private epochs = 0;
  private batches = 0;
  private epochStart = 0;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(o: ProgressOptions = {}) {
    this.stream = o.stream ?? process.stderr;
    this.tty = o.tty ?? this.stream.isTTY === true;
    this.logIntervalMs = o.logIntervalMs ?? 10_000;
    this.now = o.now ?? (() => performance.now());
    this.label = o.label ? `${o.label} ` : '';
  }

  /** Starts epoch `epoch` (1-based) of `epochs`, with `batches` batches. */
  startEpoch(epoch: number, epochs: number, batches: number): void {
    this.epoch = epoch;
    this.epochs = epochs;
    this.batches = batches;
    this.epochStart = this.now();
    this.lastDraw = this.tty ? -Infinity : this.epochStart;
  }

  /** Records a finished batch; draws when due. */
  update(u: ProgressUpdate): void {
    const t = this.now();
    const due = this.tty ? t - this.lastDraw >= REDRAW_MS : t - this.lastDraw >= this.logIntervalMs;
    if (!due && u.batch < this.batches) return;
    this.lastDraw = t;
    const text = this.format(u, t);
    if (this.tty) {
      // Cut to the terminal width so the line never wraps (a wrapped line cannot be redrawn with \r).
      const width = this.stream.columns ?? 120;
      this.stream.write(`\r${text.slice(0, width - 1)}\x1b[K`);
      this.drawn = true;
    } else if (u.batch < this.batches) {
      this.stream.write(`${text}\n`);
    }
  }

  /** Ends the epoch with a summary line that stays (e.g. validation results). */
  endEpoch(summary: string): void {
    const line = `${this.label}epoch ${this.epoch}/${this.epochs} ${summary}`;
    this.stream.write(this.tty && this.drawn ? `\r${line}\x1b[K\n` : `${line}\n`);
    this.drawn = false;
  }

  private format(u: ProgressUpdate, t: number): string {
    const sec = (t - this.epochStart) / 1000;
    const rate = sec > 0 ? u.sequences / sec : 0;
    const eta = u.batch > 0 ? (sec * (this.batches - u.batch)) / u.batch : 0;
    const width = 20;
    const filled = Math.round((width * u.batch) / Math.max(1, this.batches));
    const bar = this.tty ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    const acc = u.accuracy === undefined ? '' : ` acc ${u.accuracy.toFixed(3)}`;
    return (
      `${this.label}epoch ${this.epoch}/${this.epochs} ${bar}batch ${u.batch}/${this.batches} ` +
      `loss ${u.loss.toFixed(4)}${acc} ${rate.toFixed(0)} seq/s ETA ${formatDuration(eta)}`
    );
  }
}

/** `75` → `1:15`, `3725` → `1:02:05`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
