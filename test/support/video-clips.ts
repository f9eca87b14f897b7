import { rm } from 'node:fs/promises';
import { ffmpegPath, runTool } from '../../src/media/video/tools.js';

/**
 * Synthetic clips from ffmpeg's own generators (testsrc2 pictures, sine audio), for tests and the
 * benchmark: no binary fixtures in the repository, any size, rotation, depth or rate on demand.
 * Inputs are lavfi generators, never user files, so none of the input restrictions apply here.
 */
export interface ClipOptions {
  width?: number;
  height?: number;
  seconds?: number;
  fps?: number;
  /** Include a sine tone (default true); false for a silent clip. */
  audio?: boolean;
  /** Audio only (no picture): an .m4a. */
  audioOnly?: boolean;
  videoCodec?: 'libx264' | 'libx265';
  /**
   * x264/x265 preset of the clip itself (default ultrafast: fast to make, but no CABAC, no B-frames and no
   * deblocking, so it decodes far more cheaply than camera footage). `medium` gives a realistic source.
   */
  encoderPreset?: string;
  pixFmt?: string;
  /**
   * Like a phone's own recording: sensor-like noise on every frame and a camera's bitrate (e.g. 17000
   * kbit/s, what a phone writes for 1080p30 H.264), instead of a clean picture at the encoder's choice.
   */
  camera?: { bitrateKbps: number };
  /** Muxer, e.g. mp4, matroska, ipod. */
  format?: string;
  /**
   * The display matrix rotation ffprobe will report (counter-clockwise degrees): -90 is a phone held
   * upright (players turn the picture 90° clockwise).
   */
  displayRotation?: -90 | 90 | 180;
  /** moov before mdat, so a file cut short still has a complete header. */
  faststart?: boolean;
  /** Keep only these frames of every 30 (variable frame rate with `-fps_mode vfr`). */
  vfrKeepOf30?: number;
}

export async function renderClip(path: string, options: ClipOptions = {}): Promise<void> {
  const { width = 320, height = 180, seconds = 2, fps = 25, audio = true } = options;
  // testsrc2 silently rounds odd sizes down to even (641x359 comes out 640x358); testsrc does not.
  const generator = width % 2 || height % 2 ? 'testsrc' : 'testsrc2';
  const picture = [
    '-f',
    'lavfi',
    '-i',
    `${generator}=size=${width}x${height}:rate=${fps}:duration=${seconds}${options.camera ? ',noise=alls=14:allf=t' : ''}`,
  ];
  const tone = ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`];
  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-y'];
  // ffmpeg 5.1 has no -display_rotation and ignores a `rotate` tag on encoded streams; on a stream-copy
  // remux the tag becomes a display matrix of that many degrees counter-clockwise (not the clockwise
  // meaning phones give the tag). So rotated clips are made in two steps.
  const rotation = options.displayRotation;
  const encodedPath = rotation ? `${path}.unrotated.mp4` : path;
  if (options.audioOnly) {
    args.push(...tone, '-c:a', 'aac', '-b:a', '96k', '-f', options.format ?? 'ipod', path);
  } else {
    args.push(...picture, ...(audio ? tone : []));
    if (options.vfrKeepOf30)
      args.push('-vf', `select='lt(mod(n,30),${options.vfrKeepOf30})'`, '-fps_mode', 'vfr');
    const codec = options.videoCodec ?? 'libx264';
    args.push(
      '-c:v',
      codec,
      '-preset',
      options.encoderPreset ?? 'ultrafast',
      '-pix_fmt',
      options.pixFmt ?? 'yuv420p',
    );
    if (codec === 'libx265') args.push('-x265-params', 'log-level=error');
    if (options.camera) {
      const kbps = options.camera.bitrateKbps;
      args.push('-b:v', `${kbps}k`, '-maxrate', `${Math.round(kbps * 1.2)}k`, '-bufsize', `${kbps * 2}k`);
    }
    if (audio) args.push('-c:a', 'aac', '-b:a', '96k');
    if (options.faststart) args.push('-movflags', '+faststart');
    args.push('-f', rotation ? 'mp4' : (options.format ?? 'mp4'), encodedPath);
  }
  await ffmpeg(args, path, Math.max(60_000, seconds * 10_000));
  if (rotation) {
    const remux = ['-nostdin', '-v', 'error', '-y', '-i', encodedPath, '-c', 'copy'];
    await ffmpeg(
      [...remux, '-metadata:s:v:0', `rotate=${rotation}`, '-f', options.format ?? 'mp4', path],
      path,
      60_000,
    );
    await rm(encodedPath, { force: true });
  }
}

async function ffmpeg(args: string[], path: string, timeoutMs: number): Promise<void> {
  const result = await runTool(ffmpegPath(), args, { timeoutMs });
  if (result.exitCode !== 0) throw new Error(`could not render ${path}: ${result.stderr.trim()}`);
}

/** The clips the video tests share: each covers one case of the list (names say which). */
export const CASE_CLIPS: Record<string, ClipOptions> = {
  'landscape.mp4': { width: 1280, height: 720, seconds: 2 },
  'portrait.mp4': { width: 640, height: 360, seconds: 1, displayRotation: -90 },
  'odd.mp4': { width: 641, height: 359, seconds: 1, pixFmt: 'yuv444p' },
  'silent.mp4': { width: 320, height: 240, seconds: 1, audio: false },
  'tone.m4a': { audioOnly: true, seconds: 2 },
  'vfr.mp4': { width: 320, height: 180, seconds: 3, fps: 30, vfrKeepOf30: 20, audio: false },
  'hevc10.mkv': {
    width: 320,
    height: 180,
    seconds: 1,
    videoCodec: 'libx265',
    pixFmt: 'yuv420p10le',
    format: 'matroska',
  },
};
