import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { type ChunkProbe, chunkHex, hashChunks } from '../../similarity/hash256.js';
import type { HashIndexStore, IndexedHash } from '../../similarity/near-duplicates.js';
import { documentClientOrDefault } from './clients.js';
import { hashIndexKey, JOBS_TABLE_KEYS } from './jobs-table-layout.js';

/**
 * The near-duplicate index on the jobs table's single-table design (string keys pk/sk only, no index):
 *   asset entry     pk TENANT#{t}                        sk HASH#{assetId}   hash, quality, flagged, sha256
 *   PDQ posting     pk TENANT#{t}#PDQ#{chunk}#{4 hex}    sk {assetId}        hash, quality, flagged
 *   SHA-256 posting pk TENANT#{t}#SHA256#{64 hex}        sk {assetId}
 * 16 postings per asset, one per 16-bit chunk. A lookup Queries the 272 probe partitions (each chunk's
 * value and its one-bit neighbours); postings carry the full hash so candidates are verified without a
 * second read. Partitions stay small (about N / 65,536 items per chunk value for N uniform hashes).
 */
const { partitionKey: PK, sortKey: SK } = JOBS_TABLE_KEYS;
const pdqPk = (tenant: string, chunk: number, value: number) =>
  hashIndexKey.pdqPostings(tenant, chunk, chunkHex(value));
const shaPk = hashIndexKey.sha256Postings;

export interface DynamoDbHashIndexOptions {
  tableName: string;
  /** A document client is used as is; a plain DynamoDBClient is wrapped with the shared settings. */
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** Parallel Query calls per lookup (default 32). */
  concurrency?: number;
  /** Strongly consistent probe reads (default false: an entry written a moment ago may be missed). */
  consistentRead?: boolean;
}

type Item = Record<string, unknown>;

export class DynamoDbHashIndex implements HashIndexStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly concurrency: number;
  private readonly consistentRead: boolean;

  constructor(options: DynamoDbHashIndexOptions) {
    this.client = documentClientOrDefault(options.client);
    this.tableName = options.tableName;
    this.concurrency = options.concurrency ?? 32;
    this.consistentRead = options.consistentRead ?? false;
  }

  async put(tenant: string, entry: IndexedHash): Promise<void> {
    const previous = await this.get(tenant, entry.assetId);
    const puts = itemsOf(tenant, entry);
    // Re-indexing an asset under another hash: drop the postings the new hash does not rewrite.
    const deletes: Item[] = [];
    if (previous) {
      const keep = new Set(puts.map((item) => item[PK]));
      const stale = hashChunks(previous.hash).map((value, chunk) => pdqPk(tenant, chunk, value));
      if (previous.sha256) stale.push(shaPk(tenant, previous.sha256));
      for (const pk of stale) if (!keep.has(pk)) deletes.push({ [PK]: pk, [SK]: entry.assetId });
    }
    await this.batchWrite([
      ...puts.map((Item) => ({ PutRequest: { Item } })),
      ...deletes.map((Key) => ({ DeleteRequest: { Key } })),
    ]);
  }

  /**
   * Bulk load of assets that are not indexed yet (backfills, the bench): no read of a previous entry,
   * items packed 25 to a BatchWriteItem, `parallel` batches in flight.
   */
  async putNew(tenant: string, entries: IndexedHash[], parallel = 4): Promise<void> {
    const requests = entries.flatMap((entry) =>
      itemsOf(tenant, entry).map((Item) => ({ PutRequest: { Item } })),
    );
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const start = next;
        next += 25;
        await this.batchWrite(requests.slice(start, start + 25));
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  }

  async candidates(tenant: string, probes: ChunkProbe[]): Promise<IndexedHash[]> {
    const found = new Map<string, IndexedHash>();
    const partitions = [...new Set(probes.map(({ chunk, value }) => pdqPk(tenant, chunk, value)))];
    let next = 0;
    const worker = async () => {
      while (next < partitions.length) {
        const pk = partitions[next++] as string;
        for (const item of await this.queryAll(pk)) {
          const entry = toEntry(item);
          if (entry) found.set(entry.assetId, entry);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, partitions.length) }, worker));
    return [...found.values()];
  }

  async get(tenant: string, assetId: string): Promise<IndexedHash | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: hashIndexKey.asset(tenant, assetId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? toEntry(out.Item) : undefined;
  }

  async findBySha256(tenant: string, sha256: string, limit = Number.POSITIVE_INFINITY): Promise<string[]> {
    return (await this.queryAll(shaPk(tenant, sha256), limit)).map((item) => String(item[SK]));
  }

  /** The partition's items in sort-key order, up to `limit`. */
  private async queryAll(pk: string, limit = Number.POSITIVE_INFINITY): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey: startKey,
          ConsistentRead: this.consistentRead,
          ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items;
  }

  /** BatchWriteItem in groups of 25, resubmitting unprocessed items with a short backoff. */
  private async batchWrite(
    requests: NonNullable<BatchWriteCommandInput['RequestItems']>[string],
  ): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 8) throw new Error('DynamoDB kept items unprocessed; giving up');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const out = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }
}

/** The asset entry, its 16 PDQ postings and its SHA-256 posting. */
function itemsOf(tenant: string, entry: IndexedHash): Item[] {
  const posting = {
    assetId: entry.assetId,
    hash: entry.hash,
    quality: entry.quality,
    flagged: entry.flagged,
  };
  const items: Item[] = [
    {
      ...hashIndexKey.asset(tenant, entry.assetId),
      ...posting,
      ...(entry.sha256 ? { sha256: entry.sha256 } : {}),
    },
    ...hashChunks(entry.hash).map((value, chunk) => ({
      [PK]: pdqPk(tenant, chunk, value),
      [SK]: entry.assetId,
      ...posting,
    })),
  ];
  if (entry.sha256)
    items.push({ [PK]: shaPk(tenant, entry.sha256), [SK]: entry.assetId, assetId: entry.assetId });
  return items;
}

function toEntry(item: Item): IndexedHash | undefined {
  if (typeof item.assetId !== 'string' || typeof item.hash !== 'string') return undefined;
  return {
    assetId: item.assetId,
    hash: item.hash,
    quality: Number(item.quality),
    flagged: item.flagged === true,
    ...(typeof item.sha256 === 'string' ? { sha256: item.sha256 } : {}),
  };
}
