import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a durable local stack keeps its state (npm start: `.local/data/`; tests: none, so every emulator
 * keeps its state in a temporary folder removed at stop):
 *   s3/          s3rver's objects (uploads, outputs, reports)
 *   dynamodb/    dynalite's LevelDB (jobs, batches, webhook endpoints and deliveries, presets, hash index)
 *   sqs/         the journal of undeleted SQS messages (fauxqs holds queues in memory; sqs-journal.ts)
 *   events/      the journal of accepted events not yet delivered to every target (event-bus.ts)
 *   kms-secret   the secret the local KMS keys derive from, so stored ciphertexts decrypt after a restart
 *   api-key.json the development API key of the default tenant
 * Step Functions executions live in memory: after a restart the job table is the truth and the reconciler
 * ends or re-drives what they held.
 */
export const DATA_LAYOUT = {
  s3: 's3',
  dynamodb: 'dynamodb',
  sqs: 'sqs',
  events: 'events',
  kmsSecret: 'kms-secret',
  apiKey: 'api-key.json',
} as const;

export function ensureDataDir(dataDir: string, options: { fresh?: boolean } = {}): string {
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return dataDir;
}

/** A secret kept in the data folder (created once, readable by its owner only). */
export function persistentSecret(dataDir: string, name: string, bytes = 32): Buffer {
  const file = join(dataDir, name);
  if (existsSync(file)) {
    const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (secret.length === bytes) return secret;
    throw new Error(`${file} does not hold a ${bytes}-byte secret; remove it (or start with --fresh)`);
  }
  const secret = randomBytes(bytes);
  writeFileSync(file, `${secret.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

export function readJsonFile<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
