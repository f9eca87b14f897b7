/**
 * Bundles the console (console/src → one ES module with hls.js inside; no CDN fetches at run time).
 * The local runtime serves the result from memory at /console; the CDK app deploys it to the console
 * site's bucket (lib/constructs/console-site.ts); `npm run build:console` writes it to console/dist.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const DIR = import.meta.dirname;

export interface ConsoleFile {
  body: Buffer;
  contentType: string;
}

export async function buildConsole(): Promise<Map<string, ConsoleFile>> {
  const result = await build({
    entryPoints: [join(DIR, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    write: false,
    outfile: join(DIR, 'out', 'console.js'),
    logLevel: 'silent',
    legalComments: 'linked',
  });
  const files = new Map<string, ConsoleFile>();
  for (const file of result.outputFiles) {
    const name = file.path.split(/[\\/]/).pop() as string;
    files.set(name, {
      body: Buffer.from(file.contents),
      contentType: name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/plain; charset=utf-8',
    });
  }
  files.set('index.html', {
    body: readFileSync(join(DIR, 'index.html')),
    contentType: 'text/html; charset=utf-8',
  });
  files.set('console.css', {
    body: readFileSync(join(DIR, 'console.css')),
    contentType: 'text/css; charset=utf-8',
  });
  return files;
}

export async function writeConsole(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  for (const [name, file] of await buildConsole()) writeFileSync(join(outDir, name), file.body);
}

// `tsx console/build.ts [outDir]`: the CDK app's asset bundling passes its output folder.
if (process.argv[1] === import.meta.filename) {
  const outDir = process.argv[2] ?? join(DIR, 'dist');
  await writeConsole(outDir);
  console.log(`wrote ${outDir}`);
}
