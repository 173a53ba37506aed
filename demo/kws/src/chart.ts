/**
 * The live chart: the probability of the top label of every frame over the last few seconds, one
 * colour per label, with the detector's threshold as a dashed line. Frames are pushed as they come
 * (100 a second); drawing happens at most once per animation frame.
 */

/** Distinct colours for up to 12 labels; index 0 (silence) is grey. */
const PALETTE = [
  '#8a8f98',
  '#b08968',
  '#2a9d8f',
  '#e76f51',
  '#4361ee',
  '#f4a261',
  '#7209b7',
  '#06d6a0',
  '#ef476f',
  '#118ab2',
  '#d62828',
  '#588157',
];

export const labelColour = (index: number): string => PALETTE[index % PALETTE.length]!;

export class ProbabilityChart {
  private readonly probability: Float32Array;
  private readonly label: Uint8Array;
  /** Frames pushed since the last clear. */
  private count = 0;
  private scheduled = false;

  /**
   * @param windowFrames frames across the chart (default 500: 5 s at a 10 ms hop)
   * @param threshold the detector's threshold, drawn as a line
   */
  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly threshold: number,
    private readonly windowFrames = 500,
  ) {
    this.probability = new Float32Array(windowFrames);
    this.label = new Uint8Array(windowFrames);
  }

  push(labelIndex: number, probability: number): void {
    const i = this.count % this.windowFrames;
    this.probability[i] = probability;
    this.label[i] = labelIndex;
    this.count++;
    this.schedule();
  }

  clear(): void {
    this.count = 0;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private draw(): void {
    const { canvas } = this;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(canvas.clientWidth * ratio);
    const height = Math.round(canvas.clientHeight * ratio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const g = canvas.getContext('2d');
    if (g === null) return;
    g.clearRect(0, 0, width, height);
    const pad = 4 * ratio;
    const y = (p: number): number => pad + (1 - p) * (height - 2 * pad);
    // Newest frame at the right edge; one bar per frame, coloured by its label.
    const shown = Math.min(this.count, this.windowFrames);
    const step = width / this.windowFrames;
    for (let k = 0; k < shown; k++) {
      const i = (this.count - shown + k) % this.windowFrames;
      const x = width - (shown - k) * step;
      const top = y(this.probability[i]!);
      g.fillStyle = labelColour(this.label[i]!);
      g.fillRect(x, top, Math.max(step, ratio), height - pad - top);
    }
    // The threshold on top of the bars, so it shows where they reach it.
    g.setLineDash([4 * ratio, 4 * ratio]);
    g.strokeStyle = '#1f2937';
    g.lineWidth = ratio;
    g.beginPath();
    g.moveTo(0, y(this.threshold));
    g.lineTo(width, y(this.threshold));
    g.stroke();
    g.setLineDash([]);
    canvas.dataset.frames = String(this.count);
  }
}
