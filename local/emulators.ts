import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import S3rver from 's3rver';
import { DATA_LAYOUT } from './data-dir.js';
import { drainConnections, keepIdleConnections } from './http-util.js';
import { makeObjectWritesAtomic } from './s3-atomic-put.js';

/** How long stop() lets requests in flight finish before it drops their connections. */
const STOP_DRAIN_MS = 5_000;

/**
 * The three wire-protocol emulators the local runtime and the integration tests run on:
 * s3rver (S3), dynalite (DynamoDB), fauxqs (SQS). All bind 127.0.0.1; port 0 picks a free one.
 */
export interface Emulators {
  s3: { endpoint: string; server: S3rver };
  dynamodb: { endpoint: string };
  sqs: { endpoint: string };
  stop(): Promise<void>;
}

export interface EmulatorPorts {
  s3?: number;
  dynamodb?: number;
  sqs?: number;
}

export interface EmulatorOptions {
  /**
   * Keep S3 objects and DynamoDB tables here across restarts (see data-dir.ts). Without it both live in a
   * temporary folder / in memory and are gone at stop.
   */
  dataDir?: string;
}

export async function startEmulators(
  ports: EmulatorPorts = {},
  options: EmulatorOptions = {},
): Promise<Emulators> {
  const { dataDir } = options;
  const s3Dir = dataDir
    ? await mkdir(join(dataDir, DATA_LAYOUT.s3), { recursive: true }).then(() =>
        join(dataDir, DATA_LAYOUT.s3),
      )
    : await mkdtemp(join(tmpdir(), 'media-pipeline-s3-'));
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: ports.s3 ?? 0,
    silent: true,
    directory: s3Dir,
    // Path-style only: 127.0.0.1 has no virtual hosts.
    vhostBuckets: false,
  });
  makeObjectWritesAtomic(s3);
  const s3Address = (await s3.run()) as AddressInfo;
  // s3rver keeps its http.Server here; @types/s3rver leaves it out.
  keepIdleConnections((s3 as unknown as { httpServer: Server }).httpServer);

  const dynamo = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    // LevelDB on disk: writes are on disk when the call returns, so a kill -9 keeps them.
    ...(dataDir ? { path: join(dataDir, DATA_LAYOUT.dynamodb) } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(ports.dynamodb ?? 0, '127.0.0.1', () => resolve());
  });
  keepIdleConnections(dynamo);
  const dynamoPort = (dynamo.address() as AddressInfo).port;

  // buildApp rather than startFauxqs: startFauxqs always listens on 0.0.0.0 (every interface).
  const sqs = buildApp({ logger: false });
  const sqsAddress = new URL(await sqs.listen({ port: ports.sqs ?? 0, host: '127.0.0.1' }));

  return {
    s3: { endpoint: `http://127.0.0.1:${s3Address.port}`, server: s3 },
    dynamodb: { endpoint: `http://127.0.0.1:${dynamoPort}` },
    sqs: { endpoint: `http://127.0.0.1:${sqsAddress.port}` },
    async stop() {
      const s3Server = (s3 as unknown as { httpServer: Server }).httpServer;
      const closing = [
        s3.close(),
        new Promise<void>((resolve) => dynamo.close(() => resolve())),
        sqs.close(),
      ];
      // Requests in flight finish first: dropping their sockets would not stop dynalite's handler, which
      // then ran against its closed LevelDB and threw "Database is closed" outside any promise.
      await drainConnections([s3Server, dynamo], Promise.allSettled(closing), STOP_DRAIN_MS);
      await Promise.allSettled(closing);
      if (!dataDir) await rm(s3Dir, { recursive: true, force: true });
    },
  };
}
