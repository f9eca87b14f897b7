import type { AssetDuplicates, AssetHashes } from '../core/job.js';
import { decodeForHashing, hashImage } from '../media/hash/index.js';
import type { ProcessedImage } from '../media/image/pipeline.js';
import type { NearDuplicateIndex } from '../similarity/near-duplicates.js';

/**
 * The asset's hashes. They are computed at full resolution on the stored pixel values (as Meta's PDQ
 * references and imagehash do), so they match other systems' hashes bit for bit. The worker's one decode
 * is reused when it is exactly that (no shrink-on-load, no colour conversion: no ICC profile or an sRGB
 * one); otherwise the hashes get their own full-resolution decode (pre-scaling moves PDQ by up to 8 bits
 * at 2048 px and 20 at 1024 px; see docs/hashing.md).
 */
export async function hashAsset(
  input: Buffer,
  processed: ProcessedImage,
  sha256: string,
): Promise<AssetHashes> {
  const { decoded, source } = processed;
  const fullSize = decoded.width === source.width && decoded.height === source.height;
  const storedValues = !source.iccDescription || /srgb/i.test(source.iccDescription);
  const raw = fullSize && storedValues ? decoded : await decodeForHashing(input);
  const { pdq, ahash, dhash, phash } = hashImage(raw);
  return { sha256, pdq, ahash, dhash, phash };
}

/**
 * Earlier assets of the tenant with the same bytes (SHA-256) or within PDQ distance 31. Low-quality PDQ
 * hashes are flagged in the index and neither match nor are matched by default.
 */
export async function findDuplicates(
  index: NearDuplicateIndex,
  tenant: string,
  assetId: string,
  hashes: AssetHashes,
): Promise<AssetDuplicates> {
  const exact = await index.findExact(tenant, hashes.sha256, assetId);
  const near = await index.findSimilar(tenant, hashes.pdq, { excludeAssetId: assetId });
  return {
    exact: exact.ids,
    ...(exact.more ? { exactTruncated: true } : {}),
    near: near.map(({ assetId: id, distance }) => ({ assetId: id, distance })),
  };
}

/** Adds a completed asset to the tenant's index (idempotent: a retry re-writes the same items). */
export async function indexAsset(
  index: NearDuplicateIndex,
  tenant: string,
  assetId: string,
  hashes: AssetHashes,
): Promise<void> {
  await index.add(tenant, { assetId, pdq: hashes.pdq, sha256: hashes.sha256 });
}
