import { readFile } from 'node:fs/promises';
import { decodeForHashing, hashImage } from '../media/hash/index.js';

/**
 * `hash <file...>`: one JSON line per file, `{file, sha256, pdq: {hash, quality}, ahash, dhash, phash}`,
 * computed by the same code as the worker (full-resolution decode, EXIF orientation applied, sRGB).
 * A file that cannot be read or decoded prints `{file, error}` on stderr; the exit code is then 1.
 */
export async function hashCommand(
  files: string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  let failures = 0;
  for (const file of files) {
    try {
      const bytes = await readFile(file);
      const hashes = hashImage(await decodeForHashing(bytes), bytes);
      out(
        JSON.stringify({
          file,
          sha256: hashes.sha256,
          pdq: hashes.pdq,
          ahash: hashes.ahash,
          dhash: hashes.dhash,
          phash: hashes.phash,
        }),
      );
    } catch (error) {
      failures++;
      err(JSON.stringify({ file, error: error instanceof Error ? error.message : String(error) }));
    }
  }
  return failures === 0 ? 0 : 1;
}
