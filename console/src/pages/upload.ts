import { type ApiClient, ApiProblem, must, type Schemas } from '../api/client.js';
import { bytes, h, progressBar, statusBadge } from '../dom.js';
import type { Page } from '../page.js';
import { problemBox } from '../problem.js';
import { isTerminal } from './jobs.js';

type UploadRequest = Schemas['PresignedUpload'];

/** POSTs the file to S3 with the presigned form fields (the same flow as the CLI), reporting bytes sent. */
function postToS3(upload: UploadRequest, file: File, onProgress: (fraction: number) => void): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', file); // S3 ignores fields after the file
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', upload.url);
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText)?.[1];
      const message = /<Message>([^<]+)<\/Message>/.exec(xhr.responseText)?.[1];
      reject(
        new ApiProblem({
          type: 'about:blank',
          title: 'The storage refused the upload',
          status: xhr.status,
          detail: [code, message].filter(Boolean).join(': ') || xhr.statusText,
        }),
      );
    };
    xhr.onerror = () =>
      reject(
        new ApiProblem({
          type: 'about:blank',
          title: 'The upload did not reach the storage',
          status: 0,
          detail: upload.url,
        }),
      );
    xhr.send(form);
  });
}

/** Follows the job until it ends; the list of uploads outlives a visit to another page. */
async function follow(api: ApiClient, jobId: string, row: HTMLElement) {
  const status = row.querySelector('.job-status') as HTMLElement;
  for (;;) {
    const job = await must(api.GET('/jobs/{id}', { params: { path: { id: jobId } } }));
    status.replaceChildren(
      statusBadge(job.status),
      ` ${job.stage}`,
      job.error ? ` ${job.error.code}: ${job.error.detail}` : '',
    );
    if (isTerminal(job)) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function uploadOne(api: ApiClient, file: File, options: Record<string, unknown>, list: HTMLElement) {
  const bar = progressBar(0, `upload of ${file.name}`);
  const row = h(
    'li',
    { class: 'upload', 'data-file': file.name },
    h('strong', {}, file.name),
    ` ${bytes(file.size)} `,
    bar,
    h('span', { class: 'job-status' }),
  );
  list.prepend(row);
  try {
    const created = await must(
      api.POST('/uploads', {
        body: {
          ...options,
          fileName: file.name,
          contentType: file.type || 'application/octet-stream',
          size: file.size,
        } as never,
      }),
    );
    row.dataset.jobId = created.job.id;
    row.querySelector('strong')?.replaceWith(h('a', { href: `#/jobs/${created.job.id}` }, file.name));
    if (!created.upload) throw new Error('the API answered without an upload form for this file');
    await postToS3(created.upload, file, (fraction) => {
      bar.value = Math.round(fraction * 100);
    });
    bar.value = 100;
    await follow(api, created.job.id, row);
  } catch (error) {
    row.append(problemBox(error));
  }
}

const uploads = () => h('ul', { class: 'uploads', 'aria-label': 'uploads' });
let list: HTMLUListElement | undefined;

/** Drag and drop (or pick) files: each gets a presigned POST from the API and goes straight to S3. */
export const uploadPage: Page = async (ctx) => {
  const { presets } = await must(ctx.api.GET('/presets'));
  list ??= uploads();
  const preset = h(
    'select',
    { name: 'preset', 'aria-label': 'output preset' },
    h('option', { value: '' }, 'default (web)'),
    ...presets.map((p) => h('option', { value: p.name }, p.name)),
  );
  const options = h('textarea', {
    name: 'options',
    rows: 3,
    'aria-label': 'request options (JSON)',
    placeholder: '{"priority": "high", "video": {"preset": "hls-ladder"}}',
  });
  const optionsProblem = h('div');
  const input = h('input', { type: 'file', multiple: true, 'aria-label': 'files to upload' });
  const start = (files: FileList | null) => {
    optionsProblem.replaceChildren();
    let extra: Record<string, unknown> = {};
    try {
      extra = options.value.trim() ? (JSON.parse(options.value) as Record<string, unknown>) : {};
    } catch (error) {
      optionsProblem.append(
        problemBox(
          new ApiProblem({
            type: 'about:blank',
            title: 'The options are not JSON',
            status: 0,
            detail: (error as Error).message,
          }),
        ),
      );
      return;
    }
    if (preset.value) extra = { outputs: { preset: preset.value }, ...extra };
    for (const file of files ?? []) void uploadOne(ctx.api, file, extra, list as HTMLElement);
  };
  input.addEventListener('change', () => start(input.files));
  const zone = h('div', { class: 'dropzone', tabindex: 0 }, h('p', {}, 'Drop files here, or '), input);
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    start(event.dataTransfer?.files ?? null);
  });
  return {
    node: h(
      'div',
      {},
      h('h1', {}, 'Upload'),
      h('p', {}, h('label', {}, 'Outputs ', preset)),
      h('p', {}, h('label', {}, 'More of the request (JSON, optional) ', options)),
      optionsProblem,
      zone,
      list,
    ),
  };
};
