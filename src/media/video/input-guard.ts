import { open } from 'node:fs/promises';
import { ErrorCodes, inputError } from '../../core/errors.js';
import { sniff } from '../sniff.js';

/**
 * The check that runs before ffprobe ever opens a file. ffmpeg's HLS, concat and SDP demuxers follow
 * the URLs and paths written inside a text file (http://169.254.169.254/..., file:///etc/passwd), so
 * any text is refused here, by its bytes, whatever the file is called. The protocol and demuxer
 * whitelists passed to ffprobe/ffmpeg are the second and third lines of defence, not the first.
 */
export const HEAD_BYTES = 4096;

export async function readHead(path: string): Promise<{ head: Buffer; size: number }> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), size };
  } finally {
    await file.close();
  }
}

/** Throws unless the first bytes could be a binary audio/video container. */
export function checkMediaHead(head: Uint8Array, size: number): void {
  if (size === 0) throw inputError(ErrorCodes.EMPTY_OBJECT, 'media input is empty (0 bytes)');
  const textKind = describeText(head, size > head.length);
  if (textKind) {
    throw inputError(
      ErrorCodes.PLAYLIST_NOT_ALLOWED,
      `input is ${textKind}, not audio or video; playlists, scripts and other text are refused`,
    );
  }
  const sniffed = sniff(head);
  if (sniffed.kind === 'image' || sniffed.kind === 'svg') {
    throw inputError(
      ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
      `content is ${sniffed.mime}; expected video or audio`,
    );
  }
}

/** A name for what the text is (for the error message), or undefined when the bytes are not text. */
export function describeText(head: Uint8Array, truncated: boolean): string | undefined {
  const text = decodeText(head, truncated);
  if (text === undefined) return undefined;
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (/^#EXTM3U/i.test(body)) return 'an HLS/M3U playlist';
  if (/^ffconcat\s+version/i.test(body) || /^\s*file\s+\S/im.test(body)) return 'an ffmpeg concat script';
  if (/^v=0\s*$/m.test(body) && /^[mos]=/m.test(body)) return 'an SDP session description';
  if (/^\[playlist\]/i.test(body)) return 'a PLS playlist';
  if (/^<\?xml|^<MPD|^<smil/i.test(body)) return 'an XML document (DASH/SMIL manifest?)';
  return 'a text file';
}

/**
 * The text, when the bytes are UTF-8 (or UTF-16 with a BOM) without the control bytes every binary
 * container has in its first few KB (NUL in box sizes, EBML ids, RIFF sizes...).
 */
function decodeText(head: Uint8Array, truncated: boolean): string | undefined {
  if (
    head.length >= 2 &&
    ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
  ) {
    const text = new TextDecoder(head[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(head);
    return hasBinaryControls(text) ? undefined : text;
  }
  // A multi-byte character may be cut at the end of the window: drop up to three trailing bytes.
  for (let cut = 0; cut <= (truncated ? 3 : 0); cut++) {
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
      return hasBinaryControls(text) ? undefined : text;
    } catch {
      // not valid UTF-8 at this cut
    }
  }
  return undefined;
}

// Tab, LF, VT, FF, CR and ESC occur in text; the other C0 controls and DEL do not.
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b]);

function hasBinaryControls(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x7f || (code < 0x20 && !TEXT_CONTROLS.has(code))) return true;
  }
  return false;
}
