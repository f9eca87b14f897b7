import {
  type ChunkProbe,
  chunkProbes,
  GUARANTEED_RECALL_DISTANCE,
  hammingWords,
  hashWords,
  normalizeHash256,
} from './hash256.js';

/** Meta's guidance for PDQ: hashes below this quality are unreliable; stored, flagged, not matched by default. */
export const MIN_MATCH_QUALITY = 50;
/** Meta's guidance for PDQ: distance <= 31 is a match. */
export const DEFAULT_MAX_DISTANCE = 31;

/** One asset's hashes as the index stores them. */
export interface IndexedHash {
  assetId: string;
  /** PDQ, 64 hex digits. */
  hash: string;
  quality: number;
  /** quality < MIN_MATCH_QUALITY: kept for the record, excluded from matching unless asked. */
  flagged: boolean;
  sha256?: string;
}

/**
 * Storage port of the near-duplicate index (one implementation in memory, one on DynamoDB). Everything is
 * per tenant; a store never returns another tenant's entries.
 */
/** Exact duplicates a job records (the oldest ones; `exactTruncated` says there are more). */
export const MAX_EXACT_DUPLICATES = 20;

export interface HashIndexStore {
  /** Writes the asset's entry and its 16 chunk postings (idempotent: same asset, same hash, same items). */
  put(tenant: string, entry: IndexedHash): Promise<void>;
  /** Entries having at least one probe's chunk value (deduplicated by assetId; order unspecified). */
  candidates(tenant: string, probes: ChunkProbe[]): Promise<IndexedHash[]>;
  /** The asset's stored entry, if any. */
  get(tenant: string, assetId: string): Promise<IndexedHash | undefined>;
  /** Asset ids whose original has this SHA-256 (exact duplicates), oldest first, at most `limit`. */
  findBySha256(tenant: string, sha256: string, limit?: number): Promise<string[]>;
}

export interface SimilarQuery {
  /** Largest Hamming distance returned, 0..31 (recall is guaranteed only up to 31). */
  maxDistance?: number;
  /** Also match entries flagged for low quality, and allow a low-quality query hash. */
  includeLowQuality?: boolean;
  /** Leave this asset out (the query asset itself). */
  excludeAssetId?: string;
  limit?: number;
}

export interface SimilarMatch {
  assetId: string;
  distance: number;
  quality: number;
}

export class InvalidQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}

/**
 * Near-duplicate lookup by multi-index hashing over a HashIndexStore: probes every chunk's exact value
 * and one-bit neighbours, then verifies each candidate by its exact Hamming distance.
 */
export class NearDuplicateIndex {
  constructor(
    private readonly store: HashIndexStore,
    private readonly minQuality = MIN_MATCH_QUALITY,
  ) {}

  /** Indexes an asset's PDQ hash (flagged when quality < minQuality) and optional SHA-256. */
  async add(
    tenant: string,
    asset: { assetId: string; pdq: { hash: string; quality: number }; sha256?: string },
  ): Promise<IndexedHash> {
    const entry: IndexedHash = {
      assetId: asset.assetId,
      hash: normalizeHash256(asset.pdq.hash),
      quality: asset.pdq.quality,
      flagged: asset.pdq.quality < this.minQuality,
      ...(asset.sha256 ? { sha256: asset.sha256.toLowerCase() } : {}),
    };
    await this.store.put(tenant, entry);
    return entry;
  }

  /** Assets within maxDistance of the hash, nearest first (ties by assetId). */
  async findSimilar(
    tenant: string,
    query: { hash: string; quality?: number },
    options: SimilarQuery = {},
  ): Promise<SimilarMatch[]> {
    const maxDistance = options.maxDistance ?? DEFAULT_MAX_DISTANCE;
    if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > GUARANTEED_RECALL_DISTANCE) {
      throw new InvalidQueryError(`maxDistance must be an integer 0..${GUARANTEED_RECALL_DISTANCE}`);
    }
    const hash = normalizeHash256(query.hash);
    const lowQualityQuery = query.quality !== undefined && query.quality < this.minQuality;
    if (lowQualityQuery && !options.includeLowQuality) return [];
    const words = hashWords(hash);
    const matches: SimilarMatch[] = [];
    for (const entry of await this.store.candidates(tenant, chunkProbes(hash))) {
      if (entry.assetId === options.excludeAssetId) continue;
      if (entry.flagged && !options.includeLowQuality) continue;
      const distance = hammingWords(words, hashWords(entry.hash));
      if (distance <= maxDistance) matches.push({ assetId: entry.assetId, distance, quality: entry.quality });
    }
    matches.sort((a, b) => a.distance - b.distance || (a.assetId < b.assetId ? -1 : 1));
    return options.limit === undefined ? matches : matches.slice(0, options.limit);
  }

  /** Near duplicates of an indexed asset (its own stored hash as the query). */
  async findSimilarToAsset(
    tenant: string,
    assetId: string,
    options: SimilarQuery = {},
  ): Promise<SimilarMatch[] | undefined> {
    const entry = await this.store.get(tenant, assetId);
    if (!entry) return undefined;
    return this.findSimilar(tenant, entry, { excludeAssetId: assetId, ...options });
  }

  /** Earlier assets with the same SHA-256 (the asset itself left out). */
  /**
   * The oldest `limit` other assets with the same bytes, and whether there are more: a job records at
   * most that many (a tenant uploading one file 20,000 times must not grow each job item without bound
   * towards DynamoDB's 400 KB item limit, nor read every earlier copy per job).
   */
  async findExact(
    tenant: string,
    sha256: string,
    excludeAssetId?: string,
    limit = MAX_EXACT_DUPLICATES,
  ): Promise<{ ids: string[]; more: boolean }> {
    const found = await this.store.findBySha256(tenant, sha256.toLowerCase(), limit + 2);
    const ids = found.filter((id) => id !== excludeAssetId).sort();
    return { ids: ids.slice(0, limit), more: ids.length > limit };
  }
}
