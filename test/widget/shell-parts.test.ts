/**
 * The pieces around the Electron shell that run without Electron: the command line, the tray icon's
 * pixels, finding the binary without triggering electron's download, `npm run widget`'s message
 * where the binary is missing, and the packaging config against the build's files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN_FILE, PRELOAD_FILE } from '../../demo/widget/build.js';
import { ELECTRON_INSTALL_COMMAND, findElectronBinary } from '../../demo/widget/electron-binary.js';
import { parseWidgetArgs } from '../../demo/widget/main/args.js';
import { TRAY_COLOURS, trayIconBitmap } from '../../demo/widget/main/tray-icon.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('command line', () => {
  it('derives the dashboard from the broker (the IoT demo serves both on one port)', () => {
    expect(parseWidgetArgs(['--broker', 'ws://127.0.0.1:8081/'])).toEqual({
      brokerUrl: 'ws://127.0.0.1:8081/',
      dashboardUrl: 'http://127.0.0.1:8081/',
      listening: true,
    });
    expect(
      parseWidgetArgs(['--broker=wss://plant:443/', '--dashboard', 'https://dash/', '--no-listen']),
    ).toEqual({
      brokerUrl: 'wss://plant:443/',
      dashboardUrl: 'https://dash/',
      listening: false,
    });
  });

  it('refuses a broker that is not a WebSocket URL, and unknown options', () => {
    expect(() => parseWidgetArgs(['--broker', 'mqtt://127.0.0.1:1883'])).toThrow(
      expect.objectContaining({
        code: 'E_ARGUMENT',
        message: expect.stringContaining('config.brokerUrl: expected a ws: or wss: URL'),
      }),
    );
    expect(() => parseWidgetArgs(['--brokr', 'ws://x/'])).toThrow(/Unknown option '--brokr'/);
  });
});

describe('tray icon', () => {
  it("is a 16×16 disc of the level's colour (premultiplied BGRA) on transparent", () => {
    for (const level of ['alarm', 'warn', 'ok'] as const) {
      const px = trayIconBitmap(level);
      expect(px.length).toBe(16 * 16 * 4);
      const [r, g, b] = TRAY_COLOURS[level];
      const at = (x: number, y: number): number[] => [...px.subarray((y * 16 + x) * 4, (y * 16 + x) * 4 + 4)];
      expect(at(8, 8)).toEqual([b, g, r, 255]);
      expect(at(0, 0)).toEqual([0, 0, 0, 0]);
      // The coverage sums to the disc's area: radius 7.5 px (the antialiased edge stays inside the
      // 16 px square), π·7.5² ≈ 176.7 px; measured 177.2, the edge's linear ramp adds that much.
      let cover = 0;
      for (let i = 3; i < px.length; i += 4) cover += px[i]! / 255;
      expect(Math.abs(cover - Math.PI * 7.5 ** 2)).toBeLessThan(1);
    }
  });
});

describe('Electron binary', () => {
  it('is found through ELECTRON_OVERRIDE_DIST_PATH, and reported missing when absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'electron-dist-'));
    try {
      expect(findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dir })).toEqual({
        missing: expect.stringContaining(`is not at ${dir}`),
      });
      const relative = readPathTxt() ?? 'electron';
      writeFileSync(join(dir, relative), '');
      expect(findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dir })).toEqual({ path: join(dir, relative) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm run widget says what is missing and how to install it, exit status 1, before building', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'demo/widget/start.ts')], {
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(tmpdir(), 'no-electron-here') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("npm run widget needs Electron's binary");
    expect(r.stderr).toContain(`Install it where the network allows: ${ELECTRON_INSTALL_COMMAND}`);
    expect(r.stdout).not.toContain('widget built');
  });
});

describe('packaging config', () => {
  it('ships the files build.ts writes, for the installed Electron version', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'demo/widget/electron-builder.json'), 'utf8')) as {
      electronVersion: string;
      files: string[];
      extraMetadata?: { main?: string };
    };
    const installed = (
      JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    expect(config.electronVersion).toBe(installed);
    expect(config.files).toEqual(
      expect.arrayContaining([MAIN_FILE, PRELOAD_FILE, 'package.json', 'renderer/**/*']),
    );
  });
});

function readPathTxt(): string | undefined {
  try {
    return readFileSync(join(ROOT, 'node_modules/electron/path.txt'), 'utf8').trim();
  } catch {
    return undefined;
  }
}
