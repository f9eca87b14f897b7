import { z } from 'zod';
import { invalidRequest, notFound, parseInput } from '../core/domain-error.js';
import { InvalidHashError } from './hash256.js';
import {
  DEFAULT_MAX_DISTANCE,
  InvalidQueryError,
  type NearDuplicateIndex,
  type SimilarMatch,
} from './near-duplicates.js';

export const SimilarRequest = z
  .object({
    pdq: z.object({ hash: z.string(), quality: z.number().int().min(0).max(100).optional() }).strict(),
    maxDistance: z.number().int().min(0).max(31).optional(),
    includeLowQuality: z.boolean().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

/** Query-string options of GET /assets/{id}/similar. */
export const SimilarQueryString = z
  .object({
    maxDistance: z.coerce.number().int().min(0).max(31).optional(),
    includeLowQuality: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

/**
 * Near-duplicate lookups for the HTTP API, per tenant. An asset is an image job: its id is the job id,
 * and the worker indexes its PDQ hash (and SHA-256) when the job completes.
 */
export class SimilarityService {
  constructor(private readonly index: NearDuplicateIndex) {}

  /** GET /assets/{id}/similar?maxDistance=N */
  async similarToAsset(
    tenant: string,
    assetId: string,
    query: Record<string, string | undefined>,
  ): Promise<{ assetId: string; maxDistance: number; matches: SimilarMatch[] }> {
    const options = parseInput(SimilarQueryString, query);
    const maxDistance = options.maxDistance ?? DEFAULT_MAX_DISTANCE;
    const matches = await this.guard(() =>
      this.index.findSimilarToAsset(tenant, assetId, {
        maxDistance,
        includeLowQuality: options.includeLowQuality === 'true',
        limit: options.limit,
      }),
    );
    if (!matches) {
      throw notFound('Asset not found', `no indexed asset ${assetId}`);
    }
    return { assetId, maxDistance, matches };
  }

  /** POST /similar { pdq: { hash, quality? }, maxDistance? } */
  async similarToHash(
    tenant: string,
    body: unknown,
  ): Promise<{ maxDistance: number; matches: SimilarMatch[] }> {
    const request = parseInput(SimilarRequest, body);
    const maxDistance = request.maxDistance ?? DEFAULT_MAX_DISTANCE;
    const matches = await this.guard(() =>
      this.index.findSimilar(tenant, request.pdq, {
        maxDistance,
        includeLowQuality: request.includeLowQuality,
        limit: request.limit,
      }),
    );
    return { maxDistance, matches };
  }

  private async guard<T>(lookup: () => Promise<T>): Promise<T> {
    try {
      return await lookup();
    } catch (error) {
      if (error instanceof InvalidHashError || error instanceof InvalidQueryError) {
        throw invalidRequest(error.message);
      }
      throw error;
    }
  }
}
