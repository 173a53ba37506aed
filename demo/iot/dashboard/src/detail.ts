/**
 * The selected sensor's live channels (uPlot, one chart per channel): the measured values, the
 * model's forecast of each sample ± 3σ as a band (σ: the normal forecast error in the channel's
 * units, from the gateway's status), and the sensor's anomaly episodes shaded. History starts when
 * the sensor is selected; redraws are batched per animation frame.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { CHANNELS } from '../../contract.js';
import type { Channel, Telemetry } from '../../contract.js';

/** Points kept per channel. */
const KEEP = 300;

export interface Episode {
  since: number;
  until: number;
}

export class SensorDetail {
  private sensor: string | undefined;
  private times: number[] = [];
  private values: number[][] = CHANNELS.map(() => []);
  private lo: (number | null)[][] = CHANNELS.map(() => []);
  private hi: (number | null)[][] = CHANNELS.map(() => []);
  /** The forecast of the sensor's next sample, from its last score. */
  private nextForecast: Record<Channel, number> | undefined;
  private charts: uPlot[] = [];
  private scheduled = false;
  sigma: Record<Channel, number> | undefined;

  constructor(
    private readonly section: HTMLElement,
    private readonly title: HTMLElement,
    private readonly box: HTMLElement,
    private readonly episodes: (sensor: string) => Episode[],
  ) {}

  get selected(): string | undefined {
    return this.sensor;
  }

  show(sensor: string): void {
    this.sensor = sensor;
    this.times = [];
    this.values = CHANNELS.map(() => []);
    this.lo = CHANNELS.map(() => []);
    this.hi = CHANNELS.map(() => []);
    this.nextForecast = undefined;
    this.title.textContent = sensor;
    this.section.hidden = false;
    for (const c of this.charts) c.destroy();
    this.box.replaceChildren();
    const width = Math.max(320, this.box.clientWidth || 600);
    this.charts = CHANNELS.map((channel) => {
      const el = document.createElement('div');
      el.className = 'chart';
      this.box.append(el);
      return new uPlot(
        {
          width,
          height: 130,
          title: channel,
          legend: { show: false },
          series: [
            {},
            { label: channel, stroke: '#1d3557', width: 1.5 },
            { label: 'forecast − 3σ', stroke: 'rgba(69,123,157,0.4)' },
            { label: 'forecast + 3σ', stroke: 'rgba(69,123,157,0.4)' },
          ],
          bands: [{ series: [3, 2], fill: 'rgba(69,123,157,0.15)' }],
          hooks: { drawClear: [(u: uPlot) => this.shadeEpisodes(u)] },
        },
        [[], [], [], []],
        el,
      );
    });
  }

  /** A telemetry sample of the selected sensor. */
  telemetry(m: Telemetry): void {
    const t = typeof m.t === 'number' ? m.t : Date.parse(m.t);
    this.times.push(t / 1000);
    CHANNELS.forEach((c, k) => {
      this.values[k]!.push(m[c]);
      const f = this.nextForecast?.[c];
      const band = 3 * (this.sigma?.[c] ?? 0);
      this.lo[k]!.push(f === undefined ? null : f - band);
      this.hi[k]!.push(f === undefined ? null : f + band);
    });
    if (this.times.length > KEEP) {
      this.times.shift();
      for (const a of [...this.values, ...this.lo, ...this.hi]) a.shift();
    }
    this.schedule();
  }

  /** The selected sensor's score message: its forecast is for the next sample. */
  forecast(f: Record<Channel, number>): void {
    this.nextForecast = f;
  }

  /** Its episodes changed. */
  redraw(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.charts.forEach((u, k) =>
        u.setData([this.times, this.values[k]!, this.lo[k]!, this.hi[k]!] as uPlot.AlignedData),
      );
    });
  }

  private shadeEpisodes(u: uPlot): void {
    if (this.sensor === undefined) return;
    const { ctx } = u;
    const { top, height } = u.bbox;
    ctx.save();
    ctx.fillStyle = 'rgba(230,57,70,0.18)';
    for (const e of this.episodes(this.sensor)) {
      const x0 = u.valToPos(e.since / 1000, 'x', true);
      const x1 = u.valToPos(e.until / 1000, 'x', true);
      ctx.fillRect(x0 - 2, top, Math.max(4, x1 - x0 + 4), height);
    }
    ctx.restore();
  }
}
