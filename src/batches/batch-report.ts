import type { Job } from '../core/job.js';
import type { Batch } from './batch.js';
import { countJobs } from './batch.js';

export interface BatchReportRow {
  jobId: string;
  ref: string;
  status: string;
  source: string;
  outputs: { name: string; key: string; bytes: number }[];
  /** Created (submitted) to queued by its slot, queued to claimed, claimed to ended; seconds. */
  waitSeconds?: number;
  queueSeconds?: number;
  processingSeconds?: number;
  errorCode?: string;
  errorMessage?: string;
}

const seconds = (from?: string, to?: string) =>
  from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : undefined;

export function reportRow(job: Job): BatchReportRow {
  return {
    jobId: job.jobId,
    ref: job.batch?.ref ?? '',
    status: job.status,
    source: job.source.key,
    outputs: (job.outputs ?? []).map((o) => ({ name: o.name, key: o.key, bytes: o.bytes })),
    waitSeconds: seconds(job.createdAt, job.queuedAt),
    queueSeconds: seconds(job.queuedAt, job.startedAt),
    processingSeconds: seconds(job.startedAt, job.completedAt),
    errorCode: job.error?.code,
    errorMessage: job.error?.message,
  };
}

/** The summary a batch writes when it ends: counts, wall time, and one row per job (JSON and CSV). */
export function buildBatchReport(batch: Batch, jobs: readonly Job[], writtenAt: string) {
  const rows = jobs.map(reportRow);
  const counts = countJobs(jobs.map((job) => job.status));
  const json = {
    batch: {
      id: batch.batchId,
      name: batch.name,
      status: batch.status,
      priority: batch.priority,
      maxConcurrency: batch.maxConcurrency,
      createdAt: batch.createdAt,
      startedAt: batch.startedAt,
      endedAt: batch.endedAt ?? writtenAt,
      wallSeconds: seconds(batch.startedAt, batch.endedAt ?? writtenAt),
    },
    total: counts.total,
    counts: counts.byStatus,
    writtenAt,
    jobs: rows,
  };
  const header = [
    'jobId',
    'ref',
    'status',
    'source',
    'outputs',
    'waitSeconds',
    'queueSeconds',
    'processingSeconds',
    'errorCode',
    'errorMessage',
  ];
  const lines = rows.map((row) =>
    [
      row.jobId,
      row.ref,
      row.status,
      row.source,
      row.outputs.map((o) => o.key).join(' '),
      row.waitSeconds,
      row.queueSeconds,
      row.processingSeconds,
      row.errorCode,
      row.errorMessage,
    ]
      .map(csvField)
      .join(','),
  );
  return { json, csv: `${[header.join(','), ...lines].join('\r\n')}\r\n` };
}

/** RFC 4180 quoting; a leading formula character is prefixed with ' (spreadsheet injection). */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
