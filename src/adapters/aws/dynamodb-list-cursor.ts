import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
/** A list cursor that the store did not issue for this list (tampered, truncated, other tenant). */
export class InvalidCursorError extends Error {
  constructor(message = 'invalid list cursor') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

/**
 * Opaque list cursors: the last key of a page as base64url JSON, accepted back only if this store could
 * have issued it for this list (same partition, sort key inside the listed prefix, canonical encoding),
 * so a tampered or foreign cursor is an InvalidCursorError, never a read of someone else's items.
 */
export interface CursorKey {
  pk: string;
  sk: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk }), 'utf8').toString('base64url');
}

/** The key a cursor stands for, if it belongs to the list of `pk` items whose sk starts with `prefix`. */
export function decodeCursor(cursor: string, pk: string, prefix: string): CursorKey {
  if (cursor.length === 0 || cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError('cursor is not base64url');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor does not decode');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidCursorError('cursor does not decode');
  }
  const { pk: cursorPk, sk, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || typeof cursorPk !== 'string' || typeof sk !== 'string') {
    throw new InvalidCursorError('cursor does not decode');
  }
  if (cursorPk !== pk) throw new InvalidCursorError('cursor belongs to another tenant');
  if (!sk.startsWith(prefix) || sk.length <= prefix.length || sk.length > 1024) {
    throw new InvalidCursorError('cursor does not point into this list');
  }
  if (encodeCursor({ pk: cursorPk, sk }) !== cursor) throw new InvalidCursorError('cursor is not canonical');
  return { pk: cursorPk, sk };
}

/** Counts a query's items up to `upTo`, page by page (reads stop there). */
export async function countQuery(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'Select' | 'Limit' | 'ExclusiveStartKey'>,
  upTo: number,
): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({ ...input, Select: 'COUNT', Limit: upTo - count, ExclusiveStartKey: startKey }),
    );
    count += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey && count < upTo);
  return count;
}

/**
 * One page of a partition's items whose sort key starts with `prefix`, newest (highest key) first, with a
 * cursor only when another page really exists: one item more than asked is read, and a LastEvaluatedKey
 * on a short page (the 1 MB limit cut the query) also gives one.
 */
export async function newestFirstPage(
  client: DynamoDBDocumentClient,
  query: {
    tableName: string;
    pk: string;
    prefix: string;
    limit: number;
    cursor?: string;
    consistent?: boolean;
  },
): Promise<{ items: Record<string, unknown>[]; cursor?: string }> {
  const { pk, prefix, limit } = query;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`invalid list limit ${limit}`);
  const startKey = query.cursor === undefined ? undefined : decodeCursor(query.cursor, pk, prefix);
  const out = await client.send(
    new QueryCommand({
      TableName: query.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ScanIndexForward: false,
      Limit: limit + 1,
      ExclusiveStartKey: startKey,
      ...(query.consistent ? { ConsistentRead: true } : {}),
    }),
  );
  const items = out.Items ?? [];
  if (items.length > limit) {
    const page = items.slice(0, limit);
    const last = page[page.length - 1] as Record<string, unknown>;
    return { items: page, cursor: encodeCursor({ pk, sk: String(last.sk) }) };
  }
  const lek = out.LastEvaluatedKey;
  return { items, cursor: lek ? encodeCursor({ pk: String(lek.pk), sk: String(lek.sk) }) : undefined };
}
