import type { ChunkProbe } from './hash256.js';
import { hashChunks } from './hash256.js';
import type { HashIndexStore, IndexedHash } from './near-duplicates.js';

interface TenantIndex {
  entries: Map<string, IndexedHash>;
  /** key chunk * 65536 + value -> asset ids */
  postings: Map<number, Set<string>>;
  bySha: Map<string, Set<string>>;
}

/** HashIndexStore in process memory: unit tests, the recall test, the bench's reference. */
export class InMemoryHashIndexStore implements HashIndexStore {
  private readonly tenants = new Map<string, TenantIndex>();

  private tenant(tenant: string): TenantIndex {
    let index = this.tenants.get(tenant);
    if (!index) {
      index = { entries: new Map(), postings: new Map(), bySha: new Map() };
      this.tenants.set(tenant, index);
    }
    return index;
  }

  async put(tenant: string, entry: IndexedHash): Promise<void> {
    const index = this.tenant(tenant);
    const previous = index.entries.get(entry.assetId);
    if (previous) {
      for (const [chunk, value] of hashChunks(previous.hash).entries()) {
        index.postings.get(chunk * 65536 + value)?.delete(entry.assetId);
      }
      if (previous.sha256) index.bySha.get(previous.sha256)?.delete(entry.assetId);
    }
    index.entries.set(entry.assetId, { ...entry });
    hashChunks(entry.hash).forEach((value, chunk) => {
      const key = chunk * 65536 + value;
      let posting = index.postings.get(key);
      if (!posting) {
        posting = new Set();
        index.postings.set(key, posting);
      }
      posting.add(entry.assetId);
    });
    if (entry.sha256) {
      let ids = index.bySha.get(entry.sha256);
      if (!ids) {
        ids = new Set();
        index.bySha.set(entry.sha256, ids);
      }
      ids.add(entry.assetId);
    }
  }

  async candidates(tenant: string, probes: ChunkProbe[]): Promise<IndexedHash[]> {
    const index = this.tenants.get(tenant);
    if (!index) return [];
    const found = new Map<string, IndexedHash>();
    for (const { chunk, value } of probes) {
      for (const assetId of index.postings.get(chunk * 65536 + value) ?? []) {
        const entry = index.entries.get(assetId);
        if (entry) found.set(assetId, entry);
      }
    }
    return [...found.values()];
  }

  async get(tenant: string, assetId: string): Promise<IndexedHash | undefined> {
    return this.tenants.get(tenant)?.entries.get(assetId);
  }

  async findBySha256(tenant: string, sha256: string, limit = Number.POSITIVE_INFINITY): Promise<string[]> {
    return [...(this.tenants.get(tenant)?.bySha.get(sha256) ?? [])].sort().slice(0, limit);
  }

  /** Every entry of a tenant (brute-force comparisons in tests and the bench). */
  all(tenant: string): IndexedHash[] {
    return [...(this.tenants.get(tenant)?.entries.values() ?? [])];
  }
}
