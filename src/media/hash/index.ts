import { type ImageHashes, imageHashes } from './imagehash.js';
import { type PdqHash, pdqHash } from './pdq.js';
import type { RawImage } from './raw-image.js';
import { sha256Hex } from './sha256.js';

export { type ImageHashes, imageHashes } from './imagehash.js';
export {
  type Dihedral,
  type PdqDihedral,
  type PdqHash,
  pdqDihedralHashes,
  pdqHash,
  ZERO_PDQ,
} from './pdq.js';
export { decodeForHashing, type RawImage } from './raw-image.js';
export { Sha256Tap, sha256Hex, sha256Tap } from './sha256.js';

/** The hashes a job result carries (`hashes` in issue #3). */
export interface AssetHashes extends ImageHashes {
  /** Of the original bytes; absent when they were not given (the worker streams them via sha256Tap). */
  sha256?: string;
  pdq: PdqHash;
}

/**
 * Every perceptual hash of a decoded image, plus the SHA-256 of its original bytes when given. The
 * image must be the full-resolution decode (hashes of a pre-shrunk buffer differ slightly; see docs).
 */
export function hashImage(image: RawImage, original?: Uint8Array): AssetHashes {
  return {
    ...(original ? { sha256: sha256Hex(original) } : {}),
    pdq: pdqHash(image),
    ...imageHashes(image),
  };
}
