/**
 * The package as a user gets it, built once per source state and shared by the consumer tests:
 * `npm run build` + `npm pack` into a cache folder keyed by a hash of everything the tarball is made
 * from, and one plain-JavaScript project with the tarball installed (`npm install --prefer-offline`
 * from npm's cache; no network beyond the npm registry). Test files run in separate workers, so
 * "once" is a lock folder: the first process builds, the others wait for its `done.json`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** Longest a process waits for another one's build (a cold build on 2 busy cores takes ~1.5 min). */
const WAIT_MS = 6 * 60_000;

export interface PackedFile {
  path: string;
  size: number;
}

export interface Packed {
  /** Absolute path of the `.tgz`. */
  tarball: string;
  /** Compressed size in bytes. */
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

export interface Consumer {
  /** The temporary plain-JavaScript project with gru-stream installed. */
  dir: string;
  /** node_modules/gru-stream inside it. */
  pkg: string;
  packed: Packed;
}

/** What the tarball is made of: the hash changes when any of it does. */
const INPUTS = [
  'src',
  'workers',
  'scripts',
  'models/kws',
  'models/sensors',
  'models/text',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'LICENSE',
  'README.md',
];

async function sourceKey(): Promise<string> {
  const { stdout } = await run('git', ['ls-files', '-co', '--exclude-standard', '--', ...INPUTS], {
    cwd: REPO,
    maxBuffer: 16 << 20,
  });
  const hash = createHash('sha256');
  for (const file of stdout.split('\n').filter(Boolean).sort()) {
    hash.update(file).update('\0');
    if (existsSync(join(REPO, file))) hash.update(await readFile(join(REPO, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Runs `make` into `dir` exactly once across processes: returns at once when `dir/done.json` exists,
 * waits for it while another live process holds `dir.lock`, else takes the lock and builds.
 */
async function once<T>(dir: string, what: string, make: (dir: string) => Promise<T>): Promise<T> {
  const done = join(dir, 'done.json');
  if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as T;
  const lock = `${dir}.lock`;
  mkdirSync(join(dir, '..'), { recursive: true });
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (holderAlive(lock)) return waitFor<T>(dir, done, what);
    // A crashed run left its lock: take over.
    writeFileSync(join(lock, 'pid'), String(process.pid));
  }
  try {
    rmSync(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const result = await make(dir);
    writeFileSync(done, JSON.stringify(result));
    return result;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function holderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    return true; // the holder has made the folder but not yet written its pid
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when `done` appears (an fs event, not polling); rejects after {@link WAIT_MS}. */
function waitFor<T>(dir: string, done: string, what: string): Promise<T> {
  mkdirSync(dir, { recursive: true });
  return new Promise<T>((resolve, reject) => {
    const finish = (): boolean => {
      if (!existsSync(done)) return false;
      watcher.close();
      clearTimeout(timer);
      resolve(JSON.parse(readFileSync(done, 'utf8')) as T);
      return true;
    };
    const watcher = watch(dir, () => void finish());
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`${what}: another test process held ${dir}.lock for over ${WAIT_MS / 1000} s`));
    }, WAIT_MS);
    finish();
  });
}

/** `npm run build` then `npm pack`, once per source state. */
export async function packOnce(): Promise<Packed> {
  const dir = join(tmpdir(), 'gru-stream-pack', await sourceKey());
  return once(dir, 'npm pack', async (out) => {
    await run(NPM, ['run', 'build'], { cwd: REPO, maxBuffer: 16 << 20 });
    // prepack would build again: the build just ran.
    const { stdout } = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', out], {
      cwd: REPO,
      maxBuffer: 16 << 20,
    });
    const [info] = JSON.parse(stdout) as [
      { filename: string; size: number; unpackedSize: number; files: PackedFile[] },
    ];
    return {
      tarball: join(out, info.filename),
      size: info.size,
      unpackedSize: info.unpackedSize,
      files: info.files.map(({ path, size }) => ({ path, size })),
    };
  });
}

/**
 * A plain-JavaScript project (`"type": "module"`, no TypeScript, no tsx) with the tarball and rxjs
 * installed, plus the files of `fixtures/` (the consumer scripts); once per tarball.
 */
export async function consumerOnce(): Promise<Consumer> {
  const packed = await packOnce();
  const dir = join(packed.tarball, '..', 'consumer');
  await once(dir, 'consumer install', async (out) => {
    const rxjs = (
      JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      }
    ).dependencies.rxjs!;
    await writeFile(
      join(out, 'package.json'),
      JSON.stringify({
        name: 'gru-stream-consumer',
        private: true,
        type: 'module',
        dependencies: { 'gru-stream': `file:${packed.tarball}`, rxjs },
      }),
    );
    // --ignore-scripts: no dependency needs one here (msgpackr's native add-on is optional).
    await run(
      NPM,
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'],
      { cwd: out, maxBuffer: 16 << 20 },
    );
    return {};
  });
  // The consumer's own files: copied each time (they are the test's, not the package's).
  const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
  for (const f of await readdir(fixtures)) await cp(join(fixtures, f), join(dir, f), { recursive: true });
  return { dir, pkg: join(dir, 'node_modules', 'gru-stream'), packed };
}
