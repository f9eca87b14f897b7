// `npm run bench -- <name>`: runs one benchmark and prints its figures.
const benchmarks: Record<string, () => Promise<unknown>> = {
  'local-e2e': () => import('./local-e2e.js').then((m) => m.run()),
  coldstart: () => import('./coldstart.js').then((m) => m.run()),
  image: () => import('./image.js').then((m) => m.run()),
  hash: () => import('./hash.js').then((m) => m.run()),
  webhooks: () => import('./webhooks.js').then((m) => m.run()),
  batch: () => import('./batch.js').then((m) => m.run()),
  video: () => import('./video.js').then((m) => m.run()),
  reconciler: () => import('./reconciler.js').then((m) => m.run()),
  soak: () => import('./soak.js').then((m) => m.run()),
};

const name = process.argv[2];
const bench = name ? benchmarks[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(benchmarks).join('|')}>`);
  process.exit(2);
}
await bench();
process.exit(process.exitCode ?? 0);

export {};
