import type {
  AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { creationEntry, eventTypeForTransition, outboxKey } from '../../core/events.js';
import { ALLOWED_FROM, type Job, JobStatus, type OutboxEntry } from '../../core/job.js';
import {
  ConditionFailedError,
  type JobStore,
  type ListPage,
  type ProgressOptions,
  type TransitionOptions,
} from '../../core/ports.js';
import type { ApiKeyStore } from '../../tenants/ports.js';
import { documentClientOrDefault } from './clients.js';
import { countQuery, InvalidCursorError, newestFirstPage } from './dynamodb-list-cursor.js';
import {
  ACTIVE_JOBS_INDEX,
  BATCH_JOBS_INDEX,
  batchIndexKey,
  itemKey,
  JOBS_TABLE_KEYS,
  OUTBOX_PENDING_INDEX,
  PENDING_BATCH_JOBS_INDEX,
  SK_PREFIX,
  tenantPk,
} from './jobs-table-layout.js';
import { reconcileAttributes, setReconcile } from './reconcile-attributes.js';

/**
 * Single-table layout (the CDK JobTable declares exactly these key attributes):
 *   job               pk TENANT#{tenant}       sk JOB#{jobId}      the Job's attributes
 *   idempotency key   pk TENANT#{tenant}       sk IDEM#{key}       jobId, requestHash, createdAt
 *   API key           pk APIKEY#{sha256 hex}   sk APIKEY           tenant, createdAt
 * Job ids are ULIDs, so sk order is creation order and a descending Query lists newest first.
 */
export { ACTIVE_JOBS_INDEX, JOBS_TABLE_KEYS };

/**
 * Jobs that count against the tenant's limit: queued or being processed. A job waiting for its upload
 * does not (an abandoned upload must not block the tenant forever); it counts once it is claimed.
 */
const countsAsActive = (status: JobStatus) => status === 'QUEUED' || status === 'PROCESSING';

const KEY_HASH = /^[0-9a-f]{64}$/;

/** Attributes a transition's `set` may never touch. */
const PROTECTED_ATTRIBUTES = new Set([
  'pk',
  'sk',
  'tenant',
  'jobId',
  'status',
  'outbox',
  'outboxAt',
  'outboxFailures',
  'outboxParkedAt',
  BATCH_JOBS_INDEX.partitionKey,
  PENDING_BATCH_JOBS_INDEX.partitionKey,
  'reconcileShard',
  'reconcileAt',
  'reconcileRuns',
]);

/** A list cursor that this store did not issue for this tenant (tampered, truncated, other tenant). */
export { InvalidCursorError };

export interface DynamoDbJobStoreOptions {
  tableName: string;
  /** A document client is used as is; a plain DynamoDBClient is wrapped with the shared settings. */
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** Clock for updatedAt/createdAt stamps (tests). */
  now?: () => number;
}

/**
 * Job state, idempotency records and API keys in one DynamoDB table. Every state change is one
 * conditional UpdateItem on ALLOWED_FROM (no transactions, no TTL: dynalite has neither).
 */
export class DynamoDbJobStore implements JobStore, ApiKeyStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;

  constructor(options: DynamoDbJobStoreOptions) {
    this.client = documentClientOrDefault(options.client);
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
  }

  async create(job: Job): Promise<boolean> {
    const queued = creationEntry(job);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...jobItem(job),
            outbox: { [queued.key]: queued.entry },
            [OUTBOX_PENDING_INDEX.partitionKey]: job.createdAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async get(tenant: string, jobId: string): Promise<Job | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: itemKey.job(tenant, jobId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? toJob(out.Item) : undefined;
  }

  async list(tenant: string, options: { limit: number; cursor?: string }): Promise<ListPage> {
    const page = await newestFirstPage(this.client, {
      tableName: this.tableName,
      pk: tenantPk(tenant),
      prefix: SK_PREFIX.job,
      ...options,
      consistent: true,
    });
    return { jobs: page.items.map(toJob), cursor: page.cursor };
  }

  /**
   * Moves the job to `to` if its status is one of ALLOWED_FROM[to] (and its attempt is
   * `options.attempt`, when given). `set` attributes are written with it; an attribute set to
   * `undefined` is removed. Throws ConditionFailedError naming the current status otherwise.
   */
  async transition(
    tenant: string,
    jobId: string,
    to: JobStatus,
    options: TransitionOptions = {},
  ): Promise<Job> {
    if (!ALLOWED_FROM[to]) throw new TypeError(`unknown job status ${String(to)}`);
    const allowed = ALLOWED_FROM[to].filter((status) => !options.from || options.from.includes(status));
    if (allowed.length === 0) {
      throw new ConditionFailedError(`job ${jobId}: no transition leads to ${to}`);
    }
    const { updatedAt, ...fields } = options.set ?? {};
    const stamp = updatedAt ?? this.isoNow();
    const names: Record<string, string> = { '#status': 'status', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':to': to, ':updatedAt': stamp };
    const sets = ['#status = :to', '#updatedAt = :updatedAt'];
    const eventType = options.event === undefined ? eventTypeForTransition(to) : options.event;
    if (eventType) {
      const entry = withoutUndefined<OutboxEntry>({
        type: eventType,
        occurredAt: stamp,
        status: to,
        attempt: options.attempt,
        stage: fields.stage,
        progress: fields.progress,
      });
      recordEvent(names, values, sets, outboxKey(entry, Date.parse(stamp)), entry);
    }
    // Any transition takes a batch job out of its batch's pending index (PENDING is never a target).
    const removes: string[] = ['#pendingBatch'];
    names['#pendingBatch'] = PENDING_BATCH_JOBS_INDEX.partitionKey;
    names['#active'] = ACTIVE_JOBS_INDEX.partitionKey;
    if (countsAsActive(to)) {
      sets.push('#active = :active');
      values[':active'] = tenant;
    } else removes.push('#active');
    const now = Date.parse(stamp);
    setReconcile(names, values, sets, removes, jobId, {
      status: to,
      now,
      leaseUntil: fields.leaseUntil,
      transcoding: fields.executionArn !== undefined,
    });
    Object.entries(fields).forEach(([attribute, value], i) => {
      if (PROTECTED_ATTRIBUTES.has(attribute)) throw new TypeError(`transition may not set ${attribute}`);
      names[`#s${i}`] = attribute;
      if (value === undefined) {
        removes.push(`#s${i}`);
      } else {
        values[`:s${i}`] = value;
        sets.push(`#s${i} = :s${i}`);
      }
    });

    const allowedValues = allowed.map((_, i) => `:from${i}`);
    allowed.forEach((status, i) => {
      values[`:from${i}`] = status;
    });
    let condition = `#status IN (${allowedValues.join(', ')})`;
    if (options.attempt !== undefined) {
      names['#attempt'] = 'attempt';
      values[':attempt'] = options.attempt;
      condition += ' AND #attempt = :attempt';
    }

    const input: UpdateCommandInput = {
      TableName: this.tableName,
      Key: itemKey.job(tenant, jobId),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    };
    try {
      const out = await this.sendUpdate(input);
      return toJob(out.Attributes ?? {});
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const current = await this.currentState(tenant, jobId, error);
      const expected = `${to} requires ${allowed.join('|')}${
        options.attempt === undefined ? '' : ` at attempt ${options.attempt}`
      }`;
      throw new ConditionFailedError(
        current
          ? `job ${jobId} is ${current.status} (attempt ${current.attempt ?? 0}); ${expected}`
          : `job ${jobId} does not exist; ${expected}`,
      );
    }
  }

  async claim(
    tenant: string,
    jobId: string,
    leaseMs: number,
    now = this.now(),
    expectedAttempt?: number,
  ): Promise<Job | undefined> {
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError(`invalid lease ${leaseMs}`);
    // Fresh claims come from every allowed previous state except PROCESSING, which needs an expired lease.
    const fresh = ALLOWED_FROM.PROCESSING.filter((status) => status !== JobStatus.PROCESSING);
    // With the attempt the caller read, the started event records its own attempt (an exact, deterministic
    // outbox key) rather than taking it from whatever image publishes it later.
    const started: OutboxEntry = {
      type: 'media.job.started',
      occurredAt: new Date(now).toISOString(),
      status: JobStatus.PROCESSING,
      stage: 'processing',
      ...(expectedAttempt === undefined ? {} : { attempt: expectedAttempt + 1 }),
    };
    const values: Record<string, unknown> = {
      ':processing': JobStatus.PROCESSING,
      ':event': started,
      ':outboxAt': started.occurredAt,
      ':now': now,
      ':lease': now + leaseMs,
      ':zero': 0,
      ':one': 1,
      ':stage': 'processing',
      ':updatedAt': new Date(now).toISOString(),
      ':tenant': tenant,
    };
    const reconcileSets: string[] = [];
    const reconcileRemoves: string[] = [];
    const reconcileNames: Record<string, string> = {};
    setReconcile(reconcileNames, values, reconcileSets, reconcileRemoves, jobId, {
      status: JobStatus.PROCESSING,
      now,
      leaseUntil: now + leaseMs,
    });
    fresh.forEach((status, i) => {
      values[`:fresh${i}`] = status;
    });
    if (expectedAttempt !== undefined) {
      values[':expected'] = expectedAttempt;
      values[':next'] = expectedAttempt + 1;
      delete values[':zero'];
      delete values[':one'];
    }
    try {
      const out = await this.sendUpdate({
        TableName: this.tableName,
        Key: itemKey.job(tenant, jobId),
        UpdateExpression:
          `SET #status = :processing, #attempt = ${expectedAttempt === undefined ? 'if_not_exists(#attempt, :zero) + :one' : ':next'}, ` +
          '#leaseUntil = :lease, #stage = :stage, #updatedAt = :updatedAt, #active = :tenant, ' +
          '#startedAt = if_not_exists(#startedAt, :updatedAt), ' +
          '#outbox.#eventKey = :event, #outboxAt = if_not_exists(#outboxAt, :outboxAt), ' +
          `${reconcileSets.join(', ')} REMOVE ${reconcileRemoves.join(', ')}`,
        ConditionExpression:
          `((#status IN (${fresh.map((_, i) => `:fresh${i}`).join(', ')})) OR ` +
          '(#status = :processing AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)))' +
          (expectedAttempt === undefined ? '' : ' AND #attempt = :expected'),
        ExpressionAttributeNames: {
          '#status': 'status',
          '#attempt': 'attempt',
          '#leaseUntil': 'leaseUntil',
          '#stage': 'stage',
          '#active': ACTIVE_JOBS_INDEX.partitionKey,
          '#updatedAt': 'updatedAt',
          '#startedAt': 'startedAt',
          '#outbox': 'outbox',
          '#eventKey': outboxKey(started, now),
          '#outboxAt': OUTBOX_PENDING_INDEX.partitionKey,
          ...reconcileNames,
        },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      return toJob(out.Attributes ?? {});
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async extendLease(tenant: string, jobId: string, attempt: number, leaseMs: number): Promise<boolean> {
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError(`invalid lease ${leaseMs}`);
    const now = this.now();
    const names: Record<string, string> = {
      '#status': 'status',
      '#attempt': 'attempt',
      '#leaseUntil': 'leaseUntil',
    };
    const values: Record<string, unknown> = {
      ':processing': JobStatus.PROCESSING,
      ':attempt': attempt,
      ':lease': now + leaseMs,
    };
    const sets = ['#leaseUntil = :lease'];
    const removes: string[] = [];
    setReconcile(names, values, sets, removes, jobId, {
      status: JobStatus.PROCESSING,
      now,
      leaseUntil: now + leaseMs,
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey.job(tenant, jobId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
          ConditionExpression: '#status = :processing AND #attempt = :attempt',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async reportProgress(
    tenant: string,
    jobId: string,
    attempt: number,
    stage: string,
    progress: number,
    options: ProgressOptions = {},
  ): Promise<boolean> {
    if (!Number.isFinite(progress)) throw new RangeError(`invalid progress ${progress}`);
    const value = Math.min(100, Math.max(0, progress));
    const stamp = this.isoNow();
    const names: Record<string, string> = {
      '#status': 'status',
      '#attempt': 'attempt',
      '#progress': 'progress',
      '#stage': 'stage',
      '#updatedAt': 'updatedAt',
    };
    const values: Record<string, unknown> = {
      ':processing': JobStatus.PROCESSING,
      ':attempt': attempt,
      ':progress': value,
      ':stage': stage,
      ':updatedAt': stamp,
    };
    const sets = ['#progress = :progress', '#stage = :stage', '#updatedAt = :updatedAt'];
    if (options.etaSeconds !== undefined && Number.isFinite(options.etaSeconds)) {
      names['#eta'] = 'etaSeconds';
      values[':eta'] = Math.max(0, Math.round(options.etaSeconds));
      sets.push('#eta = :eta');
    }
    if (options.milestone !== undefined) {
      const entry: OutboxEntry = {
        type: 'media.job.progress',
        occurredAt: stamp,
        status: JobStatus.PROCESSING,
        attempt,
        stage,
        progress: options.milestone,
        milestone: options.milestone,
      };
      recordEvent(names, values, sets, outboxKey(entry, Date.parse(stamp)), entry);
    }
    try {
      await this.sendUpdate({
        TableName: this.tableName,
        Key: itemKey.job(tenant, jobId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression:
          '#status = :processing AND #attempt = :attempt AND ' +
          '(attribute_not_exists(#progress) OR #progress < :progress)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /**
   * An update that may record an event. Items written before the outbox existed have no `outbox` map,
   * and DynamoDB refuses a nested path into a missing map (ValidationException): give the item an
   * empty map (only if it still has none) and send the update again, once.
   */
  private async sendUpdate(input: UpdateCommandInput) {
    try {
      return await this.client.send(new UpdateCommand(input));
    } catch (error) {
      const missingMap =
        (error as { name?: string }).name === 'ValidationException' &&
        /document path/i.test((error as Error).message) &&
        input.ExpressionAttributeNames?.['#outbox'] === 'outbox';
      if (!missingMap) throw error;
      await this.client
        .send(
          new UpdateCommand({
            TableName: input.TableName,
            Key: input.Key,
            UpdateExpression: 'SET #outbox = :empty',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#outbox)',
            ExpressionAttributeNames: { '#outbox': 'outbox' },
            ExpressionAttributeValues: { ':empty': {} },
          }),
        )
        .catch((mapError: unknown) => {
          if (!isConditionFailed(mapError)) throw mapError;
        });
      return await this.client.send(new UpdateCommand(input));
    }
  }

  async reserveIdempotencyKey(
    tenant: string,
    key: string,
    jobId: string,
    requestHash: string,
  ): Promise<{ jobId: string; requestHash: string }> {
    const idempotencyKey = itemKey.idempotency(tenant, key);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...idempotencyKey, jobId, requestHash, createdAt: this.isoNow() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { jobId, requestHash };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: idempotencyKey, ConsistentRead: true }),
    );
    if (!out.Item) {
      // Only possible if someone deleted the record between the two calls.
      throw new Error(`idempotency record ${key} vanished after a conflicting write`);
    }
    return { jobId: String(out.Item.jobId), requestHash: String(out.Item.requestHash) };
  }

  async tenantForKeyHash(keyHash: string): Promise<string | undefined> {
    if (!KEY_HASH.test(keyHash)) return undefined;
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: itemKey.apiKey(keyHash),
        ConsistentRead: true,
      }),
    );
    const tenant = out.Item?.tenant;
    return typeof tenant === 'string' ? tenant : undefined;
  }

  /** Idempotent for the same tenant; refuses to move an existing key hash to another tenant. */
  async putKeyHash(keyHash: string, tenant: string): Promise<void> {
    if (!KEY_HASH.test(keyHash)) throw new TypeError('keyHash must be a lowercase SHA-256 hex digest');
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...itemKey.apiKey(keyHash), tenant, createdAt: this.isoNow() },
          ConditionExpression: 'attribute_not_exists(pk) OR tenant = :tenant',
          ExpressionAttributeValues: { ':tenant': tenant },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) {
        throw new ConditionFailedError('API key hash already belongs to another tenant');
      }
      throw error;
    }
  }

  /** The tenant's unfinished jobs (not COMPLETED, FAILED or CANCELLED), counted up to `upTo`. */
  async countActive(tenant: string, upTo: number): Promise<number> {
    return countQuery(
      this.client,
      {
        TableName: this.tableName,
        IndexName: ACTIVE_JOBS_INDEX.name,
        KeyConditionExpression: '#active = :tenant',
        ExpressionAttributeNames: { '#active': ACTIVE_JOBS_INDEX.partitionKey },
        ExpressionAttributeValues: { ':tenant': tenant },
      },
      upTo,
    );
  }

  /** Revokes a key; returns the tenant it belonged to, or undefined when no such key existed. */
  async deleteKeyHash(keyHash: string): Promise<string | undefined> {
    if (!KEY_HASH.test(keyHash)) return undefined;
    const out = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: itemKey.apiKey(keyHash),
        ReturnValues: 'ALL_OLD',
      }),
    );
    const tenant = out.Attributes?.tenant;
    return typeof tenant === 'string' ? tenant : undefined;
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  /**
   * The item a failed condition saw: from ReturnValuesOnConditionCheckFailure when the service
   * supports it (DynamoDB does, dynalite does not), else a consistent read (for the message only).
   */
  private async currentState(
    tenant: string,
    jobId: string,
    error: ConditionalCheckFailedException,
  ): Promise<{ status: string; attempt?: number } | undefined> {
    const old = error.Item as Record<string, AttributeValue> | undefined;
    if (old?.status?.S !== undefined) {
      return {
        status: old.status.S,
        attempt: old.attempt?.N === undefined ? undefined : Number(old.attempt.N),
      };
    }
    const job = await this.get(tenant, jobId);
    return job ? { status: job.status, attempt: job.attempt } : undefined;
  }
}

function isConditionFailed(error: unknown): error is ConditionalCheckFailedException {
  return (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * Adds an outbox entry to an update: the event is committed in the same conditional write as the change
 * it describes. `outboxAt` keeps the time of the oldest pending entry (the sweeper's sparse index).
 */
function recordEvent(
  names: Record<string, string>,
  values: Record<string, unknown>,
  sets: string[],
  key: string,
  entry: OutboxEntry,
): void {
  names['#outbox'] = 'outbox';
  names['#eventKey'] = key;
  names['#outboxAt'] = OUTBOX_PENDING_INDEX.partitionKey;
  values[':event'] = entry;
  values[':outboxAt'] = entry.occurredAt;
  sets.push('#outbox.#eventKey = :event', '#outboxAt = if_not_exists(#outboxAt, :outboxAt)');
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function toJob(item: Record<string, unknown>): Job {
  const {
    pk: _pk,
    sk: _sk,
    activeTenant: _active,
    [BATCH_JOBS_INDEX.partitionKey]: _batch,
    [PENDING_BATCH_JOBS_INDEX.partitionKey]: _pending,
    reconcileShard: _shard,
    reconcileAt: _reconcileAt,
    reconcileRuns: _runs,
    ...job
  } = item;
  return job as unknown as Job;
}

/** The item a job is stored as (key attributes and index keys derived from the job). */
export function jobItem(job: Job): Record<string, unknown> {
  return {
    ...job,
    ...itemKey.job(job.tenant, job.jobId),
    ...(countsAsActive(job.status) ? { activeTenant: job.tenant } : {}),
    ...(job.batch ? { [BATCH_JOBS_INDEX.partitionKey]: batchIndexKey(job.tenant, job.batch.batchId) } : {}),
    ...(job.status === 'PENDING' && job.batch
      ? { [PENDING_BATCH_JOBS_INDEX.partitionKey]: batchIndexKey(job.tenant, job.batch.batchId) }
      : {}),
    ...reconcileAttributes(job),
  };
}

export function itemToJob(item: Record<string, unknown>): Job {
  return toJob(item);
}
