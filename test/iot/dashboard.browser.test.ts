/**
 * The plant dashboard in headless Chromium against the real plant (embedded aedes, gateway, the
 * dashboard's HTTP server carrying MQTT over WebSocket): sensors publish telemetry over MQTT with one
 * injected spike; the alarm must reach the alarm topic AND the page (`[data-sensor][data-state]`,
 * `#alarms [data-sensor][data-channel]`), acknowledging must mark it, the tiles must show the scores
 * the gateway published, and the page must run under its CSP without errors.
 *
 * Needs Debian's Chromium (or CHROMIUM_PATH); without it this test FAILS. Every wait is for a message
 * or a DOM state, bounded by the test's timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHANNELS } from '../../demo/iot/contract.js';
import { buildDashboard } from '../../demo/iot/dashboard/build.js';
import { formatScore } from '../../demo/iot/dashboard/src/grid.js';
import { startPlant } from '../../demo/iot/plant.js';
import type { Plant } from '../../demo/iot/plant.js';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from '../helpers/chromium.js';
import { Observer, STEP_MS, T0, plant, publishSamples } from './plant.js';

const SAMPLES = 60;
const SPIKE = { sensor: 'press-2', sample: 40, channel: 1, offset: 30 };
const sensors = plant(['press-1', 'press-2', 'press-3'], SAMPLES, SPIKE);

let dir: string;
let running: Plant;
let browser: Browser;
let page: Page;
let observer: Observer;
let device: MqttClient;
const pageErrors: string[] = [];

beforeAll(async () => {
  requireChromium('the dashboard test');
  dir = await mkdtemp(join(tmpdir(), 'iot-dash-'));
  const built = await buildDashboard(join(dir, 'app'), 'warn');
  running = await startPlant({
    dashboardDir: built,
    port: 0,
    mqttPort: 0,
    sensors: 0,
    stateDir: join(dir, 'state'),
    gateway: { statusEveryMs: 0, snapshotEveryMs: 0, log: () => {} },
  });
  observer = await Observer.connect(running.mqttUrl);
  device = await mqtt.connectAsync(running.mqttUrl, { protocolVersion: 4, clientId: 'presses' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') pageErrors.push(`${m.type()}: ${m.text()}`);
  });
});
afterAll(async () => {
  await browser?.close();
  await device?.endAsync();
  await observer?.close();
  await running?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('shows the injected anomaly as an alarm on the tile and in the list, acknowledgeable', async () => {
  await page.goto(running.dashboardUrl);
  await page.waitForSelector('#connection[data-state="connected"]');
  // The page subscribes on connect; the scores it must show start after that.
  await publishSamples(device, sensors, 0, SAMPLES);

  // The alarm topic first (the gateway's side), then the page.
  await observer.until(() => observer.alarms.get(SPIKE.sensor)?.[0]?.state === 'open');
  const channel = CHANNELS[SPIKE.channel]!;
  expect(observer.alarms.get(SPIKE.sensor)![0]).toMatchObject({
    since: T0 + SPIKE.sample * STEP_MS,
    channel,
  });
  await page.waitForSelector(`[data-sensor="${SPIKE.sensor}"][data-state="alarm"]`);
  const row = page.locator(`#alarms [data-sensor="${SPIKE.sensor}"][data-channel="${channel}"]`);
  await row.waitFor();
  expect(await page.locator('#alarms [data-sensor]').count()).toBe(1);
  for (const s of sensors) {
    if (s.id !== SPIKE.sensor) await page.waitForSelector(`[data-sensor="${s.id}"][data-state="ok"]`);
  }

  // Every tile shows the last score the gateway published for it.
  await observer.until(() => observer.hasScores(sensors, SAMPLES));
  for (const s of sensors) {
    const last = observer.scores.get(s.id)!.get(T0 + (SAMPLES - 1) * STEP_MS)![0]!.score;
    await page.waitForFunction(
      ([id, text]) => document.querySelector(`[data-sensor="${id}"] .score`)?.textContent === text,
      [s.id, formatScore(last)] as const,
    );
  }

  await row.getByRole('button', { name: 'Acknowledge' }).click();
  await page.waitForSelector(`#alarms [data-sensor="${SPIKE.sensor}"][data-acked="true"]`);

  // Gateway status on the page.
  await running.gateway.publishStatus();
  await page.waitForFunction(() => document.getElementById('g-sensors')?.textContent === '3 (3 live)');

  // The selected sensor's charts: one per channel.
  await page.click(`[data-sensor="${SPIKE.sensor}"]`);
  await page.waitForSelector('#detail:not([hidden]) .chart canvas');
  expect(await page.locator('#charts .chart').count()).toBe(CHANNELS.length);
  expect(await page.textContent('#detail-title')).toBe(SPIKE.sensor);

  expect(pageErrors, 'console errors, CSP violations').toEqual([]);
});
