/**
 * The layer rules of `.dependency-cruiser.cjs` hold for the tree, and they do fail on an upward
 * import: the same check on a copy of `src/` in which the model layer imports the engine.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const run = promisify(execFile);

/**
 * Runs the project's layer check (`depcruise`, as `npm run lint` does) in `cwd` over
 * `dirs`; resolves with its exit code and its report (one `error <rule>: <from> → <to>` line each).
 */
async function cruise(cwd: string, dirs: string[]): Promise<{ code: number; report: string }> {
  const args = [...dirs, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'];
  try {
    const { stdout } = await run(DEPCRUISE, args, { cwd, maxBuffer: 64 << 20 });
    return { code: 0, report: stdout };
  } catch (e) {
    const err = e as { code?: unknown; stdout?: string };
    if (typeof err.code !== 'number' || err.stdout === undefined) throw e;
    return { code: err.code, report: err.stdout };
  }
}

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('layers', () => {
  it('the tree has no import against the layers', async () => {
    const { code, report } = await cruise(ROOT, ['src', 'workers', 'demo']);
    expect(report).toContain('no dependency violations found');
    expect(code).toBe(0);
  });

  it('an upward import (model → engine) is reported with its rule and fails the check', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'gru-layers-'));
    scratch.push(copy);
    cpSync(join(ROOT, 'src'), join(copy, 'src'), { recursive: true });
    for (const f of ['.dependency-cruiser.cjs', 'tsconfig.json']) cpSync(join(ROOT, f), join(copy, f));
    appendFileSync(
      join(copy, 'src/model/quantize.ts'),
      "\nexport { createEngineCore as _upward } from '../engine/engine.js';\n",
    );
    const { code, report } = await cruise(copy, ['src']);
    expect(report).toContain('error no-model-to-upper-layers: src/model/quantize.ts → src/engine/engine.ts');
    expect(report).toContain('1 dependency violations (1 errors');
    expect(code).toBe(1);
  });
});
