// Bundles the transcoder entry into one ESM file (the image's only code). Used by the Dockerfile and by
// test/infra/transcoder-bundle.test.ts, so the test checks the very bundle the image runs.
//   node containers/transcoder/build.mjs [outfile]
import { build } from 'esbuild';

const outfile = process.argv[2] ?? 'dist/transcoder/main.mjs';
await build({
  entryPoints: ['containers/transcoder/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  sourcemap: true,
  outfile,
  // CommonJS dependencies call require() for Node built-ins; ESM output has none.
  banner: {
    js: "import { createRequire as __mpCreateRequire } from 'node:module'; const require = __mpCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
console.log(`bundled ${outfile}`);
