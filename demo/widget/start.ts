/**
 * `npm run widget [-- --broker ws://… --dashboard http://… --no-listen]`: builds the widget and
 * starts it in Electron. Without `--broker` it first starts the IoT demo's plant (embedded broker,
 * gateway, 20 simulated sensors, dashboard) as `npm run iot` does, and points the widget at it.
 * Where Electron's binary is missing (these build machines) it says so, with the install command,
 * and exits with status 1 before building anything.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseWidgetArgs } from './main/args.js';
import { buildWidget } from './build.js';
import { ELECTRON_INSTALL_COMMAND, findElectronBinary } from './electron-binary.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const config = parseWidgetArgs(args); // fails early on a bad option
  const electron = findElectronBinary();
  if ('missing' in electron) {
    console.error(
      `npm run widget needs Electron's binary: ${electron.missing}.\n` +
        `Install it where the network allows: ${ELECTRON_INSTALL_COMMAND}\n` +
        '(or run npm install without ELECTRON_SKIP_BINARY_DOWNLOAD), then run npm run widget again.\n' +
        'Everything but the Electron shell is tested without it: npx vitest run test/widget',
    );
    return 1;
  }
  let stopPlant: (() => Promise<void>) | undefined;
  let widgetArgs = args;
  if (!args.some((a) => a === '--broker' || a.startsWith('--broker='))) {
    const { startPlant } = await import('../iot/plant.js');
    const { buildDashboard, DASHBOARD_DIR } = await import('../iot/dashboard/build.js');
    if (!existsSync(join(DASHBOARD_DIR, 'index.html'))) await buildDashboard(DASHBOARD_DIR, 'warn');
    const plant = await startPlant({
      dashboardDir: DASHBOARD_DIR,
      stateDir: join(ROOT, '.iot-state'),
      sensors: 20,
    });
    stopPlant = () => plant.stop();
    const ws = plant.dashboardUrl.replace(/^http/, 'ws');
    console.log(`plant started: dashboard ${plant.dashboardUrl}, MQTT over WebSocket ${ws}`);
    widgetArgs = [...args, '--broker', ws, '--dashboard', plant.dashboardUrl];
  } else {
    console.log(`broker ${config.brokerUrl}, dashboard ${config.dashboardUrl}`);
  }
  const built = await buildWidget(undefined, 'warn');
  console.log(`widget built in ${built.outDir}; starting Electron (${electron.path})`);
  const child = spawn(electron.path, [built.outDir, ...widgetArgs], { stdio: 'inherit' });
  const code = await new Promise<number>((done) => child.on('exit', (c) => done(c ?? 1)));
  await stopPlant?.();
  return code;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}
