/** The Chromium half of the end-to-end benchmark (see `main.ts`), on the page of `chromium.ts`. */
import { HIDDEN_SIZES } from '../bench-models.js';
import { summarizeColdStart } from '../cold-start.js';
import type { ColdStartSample } from '../cold-start.js';
import type { Plan } from '../plan.js';
import { poolRawInvoke } from '../raw-invoke.js';
import { emptyResults } from '../report.js';
import type { PlatformResults } from '../report.js';
import { startChromiumBench } from './chromium.js';

/** Runs the plan in headless Chromium: engines in classic Web Workers, driven by the bench page. */
export async function runChromium(
  p: Plan,
  progress: (what: string) => void,
): Promise<{ results: PlatformResults; version: string }> {
  progress('Chromium: build, serve, launch');
  const bench = await startChromiumBench();
  const out: PlatformResults = emptyResults();
  try {
    const H0 = HIDDEN_SIZES[0];
    progress('Chromium: cold starts');
    const samples: ColdStartSample[] = [];
    for (let k = 0; k < p.chromium.coldStarts; k++) {
      // A fresh page per sample; the browser's compiled-code caches may still help later samples.
      await bench.reload();
      samples.push(await bench.call('coldStart', bench.setup(H0)));
    }
    out.coldStart.push({ hidden: H0, ...summarizeColdStart('classic Web Worker, fresh page', samples) });
    for (const H of HIDDEN_SIZES) {
      const cases = p.chromium.throughput[H];
      if (cases === undefined) continue;
      const setup = bench.setup(H);
      const request = {
        hidden: H,
        models: [setup.models[0]!, setup.models[2]!] as [string, string],
        ...p.rawInvoke,
      };
      progress(`Chromium H=${H}: raw invoke, throughput`);
      const raw = [await bench.call('rawInvoke', setup, request)];
      for (const r of await bench.call('throughput', setup, cases, p.throughputOptions))
        out.throughput.push({ hidden: H, ...r });
      raw.push(await bench.call('rawInvoke', setup, request));
      out.rawInvoke.push(poolRawInvoke(raw));
    }
    progress(`Chromium H=${H0}: latency, memory`);
    out.echo = await bench.call('echo', p.chromium.latency[0]!.durationMs);
    for (const r of await bench.call('latency', bench.setup(H0), p.chromium.latency))
      out.latency.push({ hidden: H0, ...r });
    for (const m of await bench.call('memory', bench.setup(H0), p.chromium.memory))
      out.memory.push({ hidden: H0, ...m });
    return { results: out, version: bench.version };
  } finally {
    await bench.close();
  }
}
