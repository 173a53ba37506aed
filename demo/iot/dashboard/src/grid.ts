/**
 * All sensors at a glance: one tile per sensor (a button with its id, last score and state colour,
 * `[data-sensor][data-state]`) and the recent scores of all of them drawn on ONE canvas behind the
 * tiles. Updates only mark what changed; one `requestAnimationFrame` applies them, so 1,000 sensors
 * at 1 Hz cost one DOM pass and one canvas pass per frame, not one per message. Each frame is
 * recorded as a `performance.measure('grid-frame')` with the number of tiles it updated in `detail`
 * (the benchmark reads them).
 */

const TILE_W = 128;
const TILE_H = 48;
const GAP = 4;
/** Scores kept per sensor for its sparkline. */
const POINTS = 60;
/** The sparkline's band: the lower 28 px of a tile. */
const SPARK_H = 28;

interface Tile {
  id: string;
  el: HTMLButtonElement;
  scoreEl: HTMLSpanElement;
  history: Float32Array;
  count: number;
  score: number;
  alarm: boolean;
  x: number;
  y: number;
}

export class SensorGrid {
  private readonly tiles = new Map<string, Tile>();
  private readonly dirty = new Set<Tile>();
  private layoutDirty = false;
  private scheduled = false;
  private selected: string | undefined;
  /** Score at which a sample alarms: the sparklines' reference line (the gateway's status says it). */
  threshold = 11.3;

  constructor(
    private readonly container: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly onSelect: (sensor: string) => void,
  ) {
    new ResizeObserver(() => {
      this.layoutDirty = true;
      this.schedule();
    }).observe(container);
  }

  get size(): number {
    return this.tiles.size;
  }

  /** A new score of `sensor`. */
  score(sensor: string, score: number): void {
    const t = this.tile(sensor);
    t.history[t.count % POINTS] = score;
    t.count++;
    t.score = score;
    this.mark(t);
  }

  /** The sensor's alarm state (from its retained alarm topic). */
  alarm(sensor: string, open: boolean): void {
    const t = this.tile(sensor);
    t.alarm = open;
    this.mark(t);
  }

  select(sensor: string): void {
    const old = this.selected === undefined ? undefined : this.tiles.get(this.selected);
    old?.el.setAttribute('aria-pressed', 'false');
    this.selected = sensor;
    this.tiles.get(sensor)?.el.setAttribute('aria-pressed', 'true');
  }

  private tile(id: string): Tile {
    let t = this.tiles.get(id);
    if (t !== undefined) return t;
    const el = document.createElement('button');
    el.type = 'button';
    el.className = 'tile';
    el.dataset.sensor = id;
    el.dataset.state = 'ok';
    el.setAttribute('aria-pressed', String(id === this.selected));
    const name = document.createElement('span');
    name.textContent = id;
    const scoreEl = document.createElement('span');
    scoreEl.className = 'score';
    el.append(name, scoreEl);
    el.addEventListener('click', () => this.onSelect(id));
    t = { id, el, scoreEl, history: new Float32Array(POINTS), count: 0, score: 0, alarm: false, x: 0, y: 0 };
    this.tiles.set(id, t);
    this.container.append(el);
    this.layoutDirty = true;
    return t;
  }

  private mark(t: Tile): void {
    this.dirty.add(t);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.frame());
  }

  private frame(): void {
    const start = performance.now();
    this.scheduled = false;
    const ctx = this.canvas.getContext('2d')!;
    if (this.layoutDirty) {
      this.layoutDirty = false;
      this.layout();
      for (const t of this.tiles.values()) this.dirty.add(t);
    }
    const updated = this.dirty.size;
    for (const t of this.dirty) {
      t.scoreEl.textContent = t.count ? formatScore(t.score) : '';
      const state = t.alarm ? 'alarm' : 'ok';
      if (t.el.dataset.state !== state) t.el.dataset.state = state;
      this.drawSparkline(ctx, t);
    }
    this.dirty.clear();
    performance.measure('grid-frame', { start, end: performance.now(), detail: { tiles: updated } });
  }

  private layout(): void {
    const width = Math.max(TILE_W, this.container.clientWidth);
    const cols = Math.max(1, Math.floor((width + GAP) / (TILE_W + GAP)));
    const ids = [...this.tiles.keys()].sort();
    ids.forEach((id, i) => {
      const t = this.tiles.get(id)!;
      t.x = (i % cols) * (TILE_W + GAP);
      t.y = Math.floor(i / cols) * (TILE_H + GAP);
      t.el.style.transform = `translate(${t.x}px, ${t.y}px)`;
    });
    const rows = Math.ceil(ids.length / cols);
    const height = rows * (TILE_H + GAP);
    this.container.style.height = `${height}px`;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.canvas.getContext('2d')!.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  /** Scores on a log scale; the dashed line is the threshold. */
  private drawSparkline(ctx: CanvasRenderingContext2D, t: Tile): void {
    const top = t.y + TILE_H - SPARK_H;
    ctx.clearRect(t.x, top, TILE_W, SPARK_H);
    const max = Math.log1p(this.threshold * 10);
    const yOf = (s: number): number =>
      top + SPARK_H - 2 - (Math.min(max, Math.log1p(s)) / max) * (SPARK_H - 4);
    ctx.strokeStyle = '#adb5bd';
    ctx.setLineDash([2, 2]);
    ctx.beginPath();
    ctx.moveTo(t.x + 6, yOf(this.threshold));
    ctx.lineTo(t.x + TILE_W - 2, yOf(this.threshold));
    ctx.stroke();
    ctx.setLineDash([]);
    const n = Math.min(t.count, POINTS);
    if (n < 2) return;
    ctx.strokeStyle = t.alarm ? '#e63946' : '#2a9d8f';
    ctx.beginPath();
    const step = (TILE_W - 8) / (POINTS - 1);
    for (let i = 0; i < n; i++) {
      const s = t.history[(t.count - n + i) % POINTS]!;
      const x = t.x + 6 + (POINTS - n + i) * step;
      if (i === 0) ctx.moveTo(x, yOf(s));
      else ctx.lineTo(x, yOf(s));
    }
    ctx.stroke();
  }
}

export function formatScore(s: number): string {
  return s >= 100 ? s.toFixed(0) : s.toFixed(1);
}
