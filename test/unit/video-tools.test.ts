import { describe, expect, it } from 'vitest';
import { type RunResult, runTool, toolFailure } from '../../src/media/video/tools.js';

// A child that ignores SIGTERM (exec keeps the ignored disposition), like a muxer stuck in a write.
const STUBBORN = ['-c', 'trap "" TERM; exec sleep 30'];

const failed = (stderr: string, extra: Partial<RunResult> = {}): RunResult => ({
  exitCode: 1,
  signal: null,
  stdout: '',
  stderr,
  ...extra,
});

describe('runTool', () => {
  it('SIGKILLs a child that ignores SIGTERM once the grace period is over, then rejects with the abort reason', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error = await runTool('sh', STUBBORN, { signal: controller.signal, killGraceMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('turns a timeout into a retryable error', async () => {
    const error = await runTool('sh', STUBBORN, { timeoutMs: 100, killGraceMs: 100 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', kind: 'retryable' });
  });

  it('rejects at once for an already aborted signal, and explains a missing binary', async () => {
    await expect(runTool('sh', ['-c', 'true'], { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await expect(runTool('/nonexistent/ffmpeg', [])).rejects.toThrow(/FFMPEG_PATH/);
  });

  it('streams stdout and keeps the tail of stderr', async () => {
    const chunks: string[] = [];
    const result = await runTool('sh', ['-c', 'echo progress=end; echo oops >&2; exit 3'], {
      onStdout: (chunk) => chunks.push(chunk),
    });
    expect(chunks.join('')).toBe('progress=end\n');
    expect(result).toMatchObject({ exitCode: 3, stderr: 'oops\n' });
  });
});

describe('toolFailure', () => {
  it('classifies ffmpeg failures: bad input is terminal, lack of memory or disk is retryable', () => {
    expect(toolFailure('ffprobe', failed('x.mp4: Invalid data found when processing input'))).toMatchObject({
      code: 'CORRUPT_MEDIA',
      kind: 'input',
    });
    expect(toolFailure('ffprobe', failed('[mov,mp4] moov atom not found'))).toMatchObject({
      code: 'CORRUPT_MEDIA',
    });
    expect(toolFailure('ffprobe', failed("Format not on whitelist 'mov,matroska'"))).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(
      toolFailure('ffmpeg', failed('av_interleaved_write_frame(): No space left on device')),
    ).toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      kind: 'retryable',
    });
    expect(toolFailure('ffmpeg', failed('', { exitCode: null, signal: 'SIGKILL' }))).toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
    });
    expect(toolFailure('/usr/bin/ffmpeg', failed('Unrecognized option'))).toMatchObject({
      code: 'INTERNAL',
      kind: 'internal',
    });
  });
});
