/**
 * The alarm list: one row per episode (`#alarms li[data-sensor][data-channel][data-state]`), newest
 * first, updated as the episode peaks and closes; "Acknowledge" marks it (`data-acked="true"`) for
 * this page. At most {@link MAX_ROWS} rows; the oldest acknowledged or closed go first.
 */
import type { AlarmMessage } from '../../contract.js';
import { formatScore } from './grid.js';

const MAX_ROWS = 200;

export class AlarmList {
  private readonly rows = new Map<string, HTMLLIElement>();

  constructor(
    private readonly list: HTMLOListElement,
    private readonly empty: HTMLElement,
    private readonly onSelect: (sensor: string) => void,
  ) {}

  update(sensor: string, a: AlarmMessage): void {
    const key = `${sensor}@${a.since}`;
    let li = this.rows.get(key);
    if (li === undefined) {
      li = document.createElement('li');
      li.dataset.sensor = sensor;
      li.dataset.acked = 'false';
      const text = document.createElement('a');
      text.href = '#detail';
      text.addEventListener('click', () => this.onSelect(sensor));
      const ack = document.createElement('button');
      ack.type = 'button';
      ack.textContent = 'Acknowledge';
      ack.addEventListener('click', () => {
        li!.dataset.acked = 'true';
        ack.disabled = true;
      });
      li.append(text, ack);
      this.rows.set(key, li);
      this.list.prepend(li);
      this.trim();
    }
    li.dataset.channel = a.channel;
    li.dataset.state = a.state;
    const when = new Date(a.since).toLocaleTimeString();
    li.firstElementChild!.textContent =
      `${sensor}: ${a.channel}, ${a.state === 'open' ? 'open since' : 'closed, from'} ${when}` +
      `${a.state === 'closed' ? ` to ${new Date(a.until).toLocaleTimeString()}` : ''}, peak ${formatScore(a.peak)}`;
    this.empty.hidden = this.rows.size > 0;
  }

  private trim(): void {
    while (this.rows.size > MAX_ROWS) {
      const victims = [...this.rows.entries()].reverse();
      const [key, li] =
        victims.find(([, r]) => r.dataset.acked === 'true' || r.dataset.state === 'closed') ?? victims[0]!;
      li.remove();
      this.rows.delete(key);
    }
  }
}
