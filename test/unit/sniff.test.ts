import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, sniff } from '../../src/media/sniff.js';
import { readFixture } from '../support/fixtures.js';

const fixture = (name: string) => readFixture(name).subarray(0, SNIFF_BYTES);

describe('sniff', () => {
  it.each([
    ['Landscape_1.jpg', 'image/jpeg'],
    ['with-alpha.png', 'image/png'],
    ['animated-loop-3.gif', 'image/gif'],
    ['4.webp', 'image/webp'],
    ['pitm.avif', 'image/avif'],
    ['G31D.TIF', 'image/tiff'],
    ['check.svg', 'image/svg+xml'],
  ])('detects %s as %s from its bytes', (name, mime) => {
    expect(sniff(fixture(name)).mime).toBe(mime);
  });

  it('does not trust the file name: text named .jpg is unknown', () => {
    expect(sniff(Buffer.from('just some text, not a JPEG at all')).kind).toBe('unknown');
  });

  it('recognises an HLS playlist posing as a video', () => {
    expect(
      sniff(Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\nhttp://169.254.169.254/latest/meta-data\n')).kind,
    ).toBe('playlist');
  });

  it('treats an empty buffer as unknown', () => {
    expect(sniff(new Uint8Array()).kind).toBe('unknown');
  });
});
