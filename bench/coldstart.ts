import { rmSync } from 'node:fs';
import {
  buildDeploymentBundles,
  hostSharpLayer,
  measureInit,
  removeHostSharpLayer,
  taskRoot,
} from '../test/support/lambda-bundles.js';
import { percentile } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
/**
 * Per function: bundle size (as uploaded, without the sharp layer) and module init time, the median of
 * fresh Node processes importing the deployment bundle (built as `cdk deploy` builds it).
 */
export async function run() {
  const { outdir, functions } = buildDeploymentBundles('dev');
  const layer = hostSharpLayer();
  console.log(
    `coldstart: ${functions.length} functions, ${RUNS} fresh processes each, node ${process.version}`,
  );
  console.log('  function                          bundle      source map   init p50    init p95');
  try {
    for (const fn of functions) {
      const root = taskRoot(fn, fn.usesSharpLayer ? layer : undefined);
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push(await measureInit(fn, root));
      rmSync(root, { recursive: true, force: true });
      times.sort((a, b) => a - b);
      const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`.padStart(10);
      console.log(
        `  ${fn.entry.padEnd(32)}  ${kb(fn.bundleBytes)}  ${kb(fn.sourceMapBytes)}   ` +
          `${percentile(times, 50).toFixed(1).padStart(6)} ms  ${percentile(times, 95).toFixed(1).padStart(6)} ms`,
      );
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    removeHostSharpLayer();
  }
  console.log('  targets: image worker bundle < 1.5 MB (without the sharp layer), init < 250 ms');
}
