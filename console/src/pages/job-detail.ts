import { type Job, must } from '../api/client.js';
import { bytes, facts, h, seconds, statusBadge, table, when } from '../dom.js';
import { actionButton, type Page, section } from '../page.js';
import { videoPlayer } from '../player.js';
import { problemBox } from '../problem.js';
import { fileName, isTerminal, jobProgress } from './jobs.js';

type Output = NonNullable<Job['outputs']>[number];
const IMAGE_FORMATS = new Set(['jpeg', 'jpg', 'png', 'webp', 'avif', 'gif', 'tiff', 'heif']);

function preview(output: Output): Node | null {
  if (IMAGE_FORMATS.has(output.format)) {
    return h('img', {
      src: output.url,
      alt: `${output.name} (${output.width}×${output.height})`,
      loading: 'lazy',
    });
  }
  const label = `${output.name} ${output.rendition ?? ''}`.trim();
  // The master playlist plays every rendition (adaptive); the renditions' own playlists are listed only.
  if (output.kind === 'hls' && output.rendition === 'master') return videoPlayer(output.url, 'hls', label);
  if (output.format === 'mp4' || output.format === 'webm') return videoPlayer(output.url, 'file', label);
  return null;
}

function outputCard(output: Output): HTMLElement {
  const size = output.width && output.height ? `${output.width}×${output.height}` : '';
  return h(
    'figure',
    { class: 'output', 'data-output': output.name },
    preview(output),
    h(
      'figcaption',
      {},
      h('a', { href: output.url, target: '_blank', rel: 'noopener' }, output.name),
      ` ${[output.rendition, output.format, output.codec, size, bytes(output.bytes), output.durationSeconds ? seconds(output.durationSeconds) : ''].filter(Boolean).join(' · ')}`,
    ),
  );
}

function sourceFacts(job: Job): HTMLElement {
  const m = job.sourceMetadata;
  return facts([
    ['key', h('code', {}, job.source.key)],
    ['size', bytes(m?.bytes ?? job.source.size)],
    ['type', m?.detectedType ?? job.source.contentType],
    ['format', m?.format],
    ['dimensions', m ? `${m.width}×${m.height}` : undefined],
    ['duration', m?.durationSeconds !== undefined ? seconds(m.durationSeconds) : undefined],
    [
      'video',
      [m?.videoCodec, m?.frameRate ? `${m.frameRate.toFixed(2)} fps` : ''].filter(Boolean).join(' · '),
    ],
    ['audio', [m?.audioCodec, m?.audioChannels ? `${m.audioChannels} ch` : ''].filter(Boolean).join(' · ')],
    ['color', [m?.space, m?.depth, m?.iccDescription].filter(Boolean).join(' · ')],
    ['camera', [m?.exif?.make, m?.exif?.model].filter(Boolean).join(' ')],
    ['taken', m?.exif?.dateTime],
  ]);
}

function hashFacts(job: Job): HTMLElement | null {
  const hashes = job.hashes;
  if (!hashes) return null;
  const duplicates = job.duplicates;
  return section(
    'Hashes and duplicates',
    facts([
      ['SHA-256', h('code', {}, hashes.sha256)],
      ['PDQ', h('code', {}, `${hashes.pdq.hash} (quality ${hashes.pdq.quality})`)],
      ['aHash / dHash / pHash', h('code', {}, `${hashes.ahash} ${hashes.dhash} ${hashes.phash}`)],
    ]),
    duplicates
      ? table(
          ['duplicate of', 'kind', 'PDQ distance'],
          [
            ...duplicates.exact.map((id) => [
              h('a', { href: `#/jobs/${id}` }, id),
              'exact (same SHA-256)',
              '0',
            ]),
            ...duplicates.near.map((d) => [
              h('a', { href: `#/jobs/${d.assetId}` }, d.assetId),
              'near',
              String(d.distance),
            ]),
          ],
          'No duplicates among the tenant’s assets.',
        )
      : null,
  );
}

/** One job: status and progress (live until it ends), source, hashes, duplicates, outputs with previews, errors. */
export const jobDetailPage: Page = async (ctx) => {
  const id = ctx.params[0] ?? '';
  const job = await must(ctx.api.GET('/jobs/{id}', { params: { path: { id } } }));
  const node = h(
    'div',
    { 'data-job-id': job.id, 'data-status': job.status },
    h('h1', {}, fileName(job), ' ', statusBadge(job.status)),
    jobProgress(job),
    facts([
      ['job', h('code', {}, job.id)],
      ['stage', job.stage],
      ['priority', job.priority],
      [
        'batch',
        job.batch
          ? h('a', { href: `#/batches/${job.batch.id}` }, `${job.batch.id} (${job.batch.ref})`)
          : undefined,
      ],
      ['created', when(job.createdAt)],
      ['started', when(job.startedAt)],
      ['ended', job.completedAt ? when(job.completedAt) : undefined],
    ]),
    isTerminal(job)
      ? null
      : actionButton(
          'Cancel job',
          () => must(ctx.api.DELETE('/jobs/{id}', { params: { path: { id } } })),
          ctx,
        ),
    job.error ? section('Error', problemBox(job.error)) : null,
    section('Source', sourceFacts(job)),
    hashFacts(job),
    job.outputs?.length
      ? section('Outputs', h('div', { class: 'outputs' }, ...job.outputs.map(outputCard)))
      : null,
  );
  return { node, pollMs: isTerminal(job) ? undefined : 1500 };
};
