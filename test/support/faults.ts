import { vi } from 'vitest';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';

/**
 * Makes the worker's output writes for one job fail (the worker runs in this process, so the
 * spy reaches the handler's own S3ObjectStore): `times` failures, then the real write.
 */
export function failOutputWrites(jobId: string, times: number) {
  const realWrite = S3ObjectStore.prototype.write;
  let failures = 0;
  return vi.spyOn(S3ObjectStore.prototype, 'write').mockImplementation(async function (
    this: S3ObjectStore,
    ...args: Parameters<S3ObjectStore['write']>
  ) {
    if (args[1].includes(`/jobs/${jobId}/`) && failures < times) {
      failures += 1;
      throw new Error(`injected fault ${failures} writing ${args[1]}`);
    }
    return realWrite.apply(this, args);
  });
}
