/** Progress of a load: at most one 'loading' event per 250 ms, phase changes always. */
import type { SledProgress, SledReport, SledRunPhase } from '../../../common/sled';

export type LoadProgressEvent = Omit<SledProgress, 'runId'>;

const INTERVAL_MS = 250;

export class LoadProgress {
  private total = 0;
  private done = 0;
  private started = 0;
  private lastEmit = Number.NEGATIVE_INFINITY;
  private current: string | null = null;

  constructor(
    private readonly importId: string,
    private readonly listener: ((progress: LoadProgressEvent) => void) | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts counting: `total` entries are to load. */
  start(total: number): void {
    this.total = total;
    this.done = 0;
    this.started = this.now();
    this.emit('loading', `${total} entries to load`);
  }

  advance(entries: number, current: string): void {
    this.done += entries;
    const changed = current !== this.current;
    this.current = current;
    if (changed || this.now() - this.lastEmit >= INTERVAL_MS || this.done >= this.total) this.emit('loading', null);
  }

  /** The first batch into `current` is about to run: said at once, so a wait (a lock) shows the right table. */
  into(current: string): void {
    if (current === this.current) return;
    this.current = current;
    this.emit('loading', null);
  }

  phase(phase: SledRunPhase, current: string | null, message: string | null): void {
    if (current !== null) this.current = current;
    this.emit(phase, message);
  }

  finish(report: SledReport): void {
    const o = report.outcomes;
    this.emit(
      'done',
      `${o.loaded} loaded, ${o.skipped} skipped, ${o.failed} failed` +
        (report.reconciled ? '; reconciled' : '; NOT reconciled'),
    );
  }

  private emit(phase: SledRunPhase, message: string | null): void {
    const now = this.now();
    this.lastEmit = now;
    if (!this.listener) return;
    const seconds = this.started > 0 ? (now - this.started) / 1000 : 0;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const remaining = Math.max(0, this.total - this.done);
    this.listener({
      importId: this.importId,
      kind: 'load',
      phase,
      current: this.current,
      done: this.done,
      total: this.total,
      unit: 'entries',
      entriesPerSecond: Math.round(rate),
      etaSeconds: phase === 'loading' && rate > 0 ? Math.round(remaining / rate) : phase === 'done' ? 0 : null,
      message,
    });
  }
}
