/**
 * Where Electron's binary is, found WITHOUT `require('electron')`: since electron 42 that require
 * downloads the binary when it is missing, which on a closed network fails slowly (and here would
 * hide the clear message `start.ts` prints). It reads what electron's installer leaves behind:
 * `node_modules/electron/path.txt` (the binary's path inside `dist/`), or ELECTRON_OVERRIDE_DIST_PATH.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

/** The command that fetches the binary where the network allows it. */
export const ELECTRON_INSTALL_COMMAND = 'npx install-electron';

/** The binary's absolute path, or the reason it is not there. */
export function findElectronBinary(
  env: NodeJS.ProcessEnv = process.env,
): { path: string } | { missing: string } {
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: "the 'electron' package is not installed (npm ci installs it as a devDependency)" };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const dist = env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkgDir, 'dist');
  if (relative === undefined && env.ELECTRON_OVERRIDE_DIST_PATH === undefined) {
    return { missing: `Electron's binary was never downloaded (${pathFile} is missing)` };
  }
  const binary = join(dist, relative ?? 'electron');
  if (!existsSync(binary)) return { missing: `Electron's binary is not at ${binary}` };
  return { path: binary };
}
