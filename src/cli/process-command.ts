import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ErrorCodes, inputError, toPipelineError } from '../core/errors.js';
import { MetadataPolicy, type OutputSpec, Outputs } from '../core/job.js';
import { extensionFor, type ImageLimits, processImage } from '../media/image/pipeline.js';
import { resolveOutputs } from '../presets/presets.js';
import { EXIT } from './exit-codes.js';
import { isVideoOrAudio, processVideoFile } from './process-video.js';

export interface ProcessCommandOptions {
  preset?: string;
  /** JSON: an output spec, an array of specs, or { "specs": [...] }. */
  spec?: string;
  out: string;
  metadata?: string;
  allowSvg?: boolean;
  limits?: ImageLimits;
  log?: (line: string) => void;
  /** Print the results (each `<name>.result.json`) as one JSON array instead of a line per file. */
  json?: boolean;
}

interface ResultFile {
  input: string;
  status: 'COMPLETED' | 'FAILED';
  source?: unknown;
  placeholder?: { thumbhash: string };
  outputs?: {
    name: string;
    file: string;
    format: string;
    width: number;
    height: number;
    bytes: number;
    frames: number;
  }[];
  error?: { code: string; message: string; retryable: boolean };
}

/**
 * `process <file...> [--preset NAME | --spec JSON] --out DIR`: the worker's image pipeline on local
 * files, no stack needed. Writes `<name>.<output>.<ext>` and `<name>.result.json` per input. Video and
 * audio files go through the transcoder's code instead (presets mobile, web, hls; outputs in `<name>/`).
 * Returns the exit code (src/cli/exit-codes.ts): 0 when every input completed, 1 when any failed, 2 for a
 * usage error.
 */
export async function processCommand(files: string[], options: ProcessCommandOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  let specs: readonly OutputSpec[] | undefined;
  let metadataPolicy: MetadataPolicy;
  try {
    // mobile and hls are video presets only: image inputs then fail one by one, not the whole command.
    specs = VIDEO_ONLY_PRESETS.has(options.preset ?? '') ? undefined : parseOutputs(options);
    metadataPolicy = MetadataPolicy.parse(options.metadata ?? 'strip');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(options.json ? JSON.stringify({ error: { message } }) : `error: ${message}`);
    return EXIT.usage;
  }
  await mkdir(options.out, { recursive: true });
  const used = new Set<string>();
  let failures = 0;
  const results: unknown[] = [];
  for (const file of files) {
    const name = uniqueName(basename(file, extname(file)) || 'image', used);
    const result = (await isVideoOrAudio(file))
      ? await processVideoFile(file, name, {
          preset: options.spec ? 'specs' : options.preset,
          out: options.out,
        })
      : specs
        ? await processOne(file, name, specs, metadataPolicy, options)
        : videoOnlyPresetResult(file, options.preset ?? '');
    await writeFile(join(options.out, `${name}.result.json`), `${JSON.stringify(result, null, 2)}\n`);
    results.push(result);
    if (result.status === 'FAILED') failures++;
    if (options.json) continue;
    if (result.status === 'FAILED') {
      log(`${file}: FAILED ${result.error?.code}: ${result.error?.message}`);
    } else {
      log(
        `${file}: ${result.outputs?.map((o) => `${o.file}${o.width ? ` ${o.width}x${o.height}` : ''}`).join(', ')}`,
      );
    }
  }
  if (options.json) log(JSON.stringify(results));
  return failures === 0 ? EXIT.ok : EXIT.failed;
}

async function processOne(
  file: string,
  name: string,
  specs: readonly OutputSpec[],
  metadataPolicy: MetadataPolicy,
  options: ProcessCommandOptions,
): Promise<ResultFile> {
  try {
    const input = await readFile(file).catch((error: unknown) => {
      throw inputError(ErrorCodes.SOURCE_NOT_FOUND, `cannot read ${file}: ${(error as Error).message}`);
    });
    const processed = await processImage(input, specs, {
      ...options.limits,
      metadataPolicy,
      allowSvg: options.allowSvg ?? false,
    });
    const outputs = [];
    for (const output of processed.outputs) {
      const outFile = `${name}.${output.spec.name}.${extensionFor(output.spec.format)}`;
      await writeFile(join(options.out, outFile), output.data);
      const { width, height, format, frames } = output;
      outputs.push({
        name: output.spec.name,
        file: outFile,
        format,
        width,
        height,
        bytes: output.data.length,
        frames,
      });
    }
    return {
      input: file,
      status: 'COMPLETED',
      source: processed.source,
      placeholder: processed.placeholder,
      outputs,
    };
  } catch (caught) {
    const error = toPipelineError(caught);
    return {
      input: file,
      status: 'FAILED',
      error: { code: error.code, message: error.message, retryable: error.retryable },
    };
  }
}

function parseOutputs(options: ProcessCommandOptions): readonly OutputSpec[] {
  if (options.preset && options.spec) throw new Error('use --preset or --spec, not both');
  if (!options.spec) return resolveOutputs(Outputs.parse({ preset: options.preset ?? 'web' }));
  let json: unknown;
  try {
    json = JSON.parse(options.spec);
  } catch {
    throw new Error('--spec is not valid JSON');
  }
  const body = Array.isArray(json)
    ? { specs: json }
    : json && typeof json === 'object' && 'specs' in json
      ? json
      : { specs: [json] };
  const parsed = Outputs.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new Error(`invalid --spec: ${issues.join('; ')}`);
  }
  return resolveOutputs(parsed.data);
}

const VIDEO_ONLY_PRESETS = new Set(['mobile', 'hls']);

function videoOnlyPresetResult(file: string, preset: string): ResultFile {
  const message = `preset ${preset} is for video and audio; images take thumbnail, web, social, archive or --spec`;
  return { input: file, status: 'FAILED', error: { code: 'INVALID_REQUEST', message, retryable: false } };
}

function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
  used.add(name);
  return name;
}
