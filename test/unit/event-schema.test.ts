import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatchEventDetail } from '../../src/batches/batch-events.js';
import { BATCH_EVENT_TYPES, EVENT_SCHEMA_VERSION, JOB_EVENT_TYPES } from '../../src/contract/events.js';
import { JobEventDetail } from '../../src/core/events.js';

/**
 * The published JSON Schema of the job event detail (docs/schemas/), generated from the zod schema the
 * code validates with, so the two cannot drift: a change to the schema fails this test until the file
 * is regenerated (`npx vitest run test/unit/event-schema.test.ts -u`) and reviewed.
 */
describe('job event JSON Schema', () => {
  it(`matches docs/schemas/job-event-detail.v${EVENT_SCHEMA_VERSION}.json`, async () => {
    const schema = {
      title: `media-pipeline job event detail, version ${EVENT_SCHEMA_VERSION}`,
      description: `The "detail" of EventBridge events from source media-pipeline with detail-type ${JOB_EVENT_TYPES.join(', ')}; the "data" of webhook bodies.`,
      ...z.toJSONSchema(JobEventDetail),
    };
    await expect(`${JSON.stringify(schema, null, 2)}\n`).toMatchFileSnapshot(
      `../../docs/schemas/job-event-detail.v${EVENT_SCHEMA_VERSION}.json`,
    );
  });
});

describe('batch event JSON Schema', () => {
  it(`matches docs/schemas/batch-event-detail.v${EVENT_SCHEMA_VERSION}.json`, async () => {
    const schema = {
      title: `media-pipeline batch event detail, version ${EVENT_SCHEMA_VERSION}`,
      description: `The "detail" of EventBridge events from source media-pipeline with detail-type ${BATCH_EVENT_TYPES.join(', ')}; the "data" of webhook bodies.`,
      ...z.toJSONSchema(BatchEventDetail),
    };
    await expect(`${JSON.stringify(schema, null, 2)}\n`).toMatchFileSnapshot(
      `../../docs/schemas/batch-event-detail.v${EVENT_SCHEMA_VERSION}.json`,
    );
  });
});
