import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { decodeForHashing, hashImage } from '../../src/media/hash/index.js';
import { fixturePath, readFixture } from '../support/fixtures.js';
import { type JobBody, pipelineClient } from '../support/pipeline-client.js';

let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  client = pipelineClient(pipeline);
});

afterAll(async () => {
  client?.close();
  await pipeline?.stop();
});

/** A bound on the stack's settling after one upload: its job, the hash index write, events, fan-out. */
const IDLE_MS = 60_000;
/** The photo's hashing in this process (decode of a ~0.8 MB JPEG, a resize): seconds alone, bounded. */
const LOCAL_WORK_MS = 60_000;
/**
 * The tests' work is bounded: at most 3 uploads, each waited for with `idle(IDLE_MS)`, plus local hashing.
 * The default 30 s test timeout was shorter than even one of those waits, so on a loaded machine it cut
 * them short (the first test takes ~7 s alone, over 30 s in a doubled full-suite run).
 */
const TIMEOUT_MS = 3 * IDLE_MS + LOCAL_WORK_MS;

async function processed(data: Buffer, name: string, apiKey?: string): Promise<JobBody> {
  const created = await client.requestUpload(name, data.length, { outputs: { preset: 'thumbnail' } }, apiKey);
  const posted = await client.postFile(created.upload, data, 'image/jpeg');
  expect(posted.status).toBe(204);
  // The whole stack, not just the job: the next upload's duplicates come from the hash index, which is
  // written after the job completes.
  await pipeline.stack.idle(IDLE_MS);
  return client.job(created.job.id, apiKey);
}

describe('hashes and duplicates on the local stack', { timeout: TIMEOUT_MS }, () => {
  it('records the hashes the CLI computes for the same file, and finds exact and near duplicates', async () => {
    const original = readFixture('2569067123_aca715a2ee_o.jpg');
    const first = await processed(original, 'original.jpg');
    expect(first.status).toBe('COMPLETED');
    const local = hashImage(await decodeForHashing(fixturePath('2569067123_aca715a2ee_o.jpg')));
    expect(first.hashes).toMatchObject({
      pdq: local.pdq,
      ahash: local.ahash,
      dhash: local.dhash,
      phash: local.phash,
    });
    expect(first.hashes?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.duplicates).toEqual({ exact: [], near: [] });

    const again = await processed(original, 'again.jpg');
    expect(again.hashes?.sha256).toBe(first.hashes?.sha256);
    expect(again.duplicates?.exact).toEqual([first.id]);
    expect(again.duplicates?.near).toEqual([{ assetId: first.id, distance: 0 }]);

    // A smaller, recompressed copy: other bytes, nearly the same PDQ.
    const copy = await sharp(original).resize(1200).jpeg({ quality: 70 }).toBuffer();
    const near = await processed(copy, 'copy.jpg');
    expect(near.duplicates?.exact).toEqual([]);
    const found = near.duplicates?.near ?? [];
    expect(found.map((m) => m.assetId).sort()).toEqual([first.id, again.id].sort());
    for (const match of found) expect(match.distance).toBeLessThanOrEqual(31);

    const similar = await client.api<{ matches: { assetId: string; distance: number }[] }>(
      'GET',
      `/assets/${first.id}/similar?maxDistance=31`,
    );
    expect(similar.status).toBe(200);
    expect(similar.body.matches.map((m) => m.assetId).sort()).toEqual([again.id, near.id].sort());
    const byHash = await client.api<{ matches: { assetId: string }[] }>('POST', '/similar', {
      body: { pdq: first.hashes?.pdq },
    });
    expect(byHash.body.matches.map((m) => m.assetId)).toContain(first.id);
  });

  it('keeps tenants apart: another tenant’s identical upload has no duplicates and cannot query ours', async () => {
    const otherKey = await pipeline.createApiKey('dup-neighbour');
    const theirs = await processed(readFixture('2569067123_aca715a2ee_o.jpg'), 'theirs.jpg', otherKey);
    expect(theirs.status).toBe('COMPLETED');
    expect(theirs.duplicates).toEqual({ exact: [], near: [] });
    const mine = await client.api<{ jobs: JobBody[] }>('GET', '/jobs?limit=1');
    const probe = await client.api('GET', `/assets/${mine.body.jobs[0]?.id}/similar`, { apiKey: otherKey });
    expect(probe.status).toBe(404);
  });
});
