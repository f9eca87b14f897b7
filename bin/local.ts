import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDataDir } from '../local/data-dir.js';
import { PROJECT_ROOT, startLocalPipeline } from '../local/pipeline.js';
import { type EnvSetting, readEnv, readPositiveNumber } from '../src/contract/env.js';

// `npm start [-- --data-dir DIR] [--fresh]`: the synthesized stack on 127.0.0.1, no Docker, no AWS account.
// State lives in .local/data/ (or the data-dir variable, src/contract/env.ts) and survives a stop or a kill; --fresh starts empty.
const { values: flags } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    fresh: { type: 'boolean', default: false },
    // A second stack beside `npm start` (tests): leave .local/stack.json, which the CLI reads, alone.
    'no-stack-file': { type: 'boolean', default: false },
  },
});
const dataDir = ensureDataDir(
  resolve(flags['data-dir'] ?? readEnv('localDataDir') ?? resolve(PROJECT_ROOT, '.local', 'data')),
  { fresh: flags.fresh },
);
const port = (setting: EnvSetting, fallback: number) => Number(readEnv(setting) ?? fallback);

const pipeline = await startLocalPipeline({
  dataDir,
  ports: {
    api: port('localApiPort', 3000),
    s3: port('localS3Port', 4569),
    dynamodb: port('localDynamoDbPort', 4567),
    sqs: port('localSqsPort', 4566),
  },
  writeStackFile: !flags['no-stack-file'],
  // Local only: how often rate() rules (the reconciler, the outbox sweeper) fire; the template says 1 minute.
  scheduleIntervalMs: readPositiveNumber('localScheduleIntervalMs'),
  log: (line) => console.log(line),
});
const { stack } = pipeline;

console.log(`
media-pipeline is running locally (stage dev, synthesized from the CDK app)

  HTTP API     ${pipeline.apiUrl}
  console      ${pipeline.apiUrl}/console/#key=${encodeURIComponent(pipeline.apiKey)}   (opens signed in as ${pipeline.tenant})
  S3           ${stack.s3Endpoint}   (credentials S3RVER / S3RVER, path-style)
  DynamoDB     ${stack.dynamodbEndpoint}
  SQS          ${stack.sqsEndpoint}
  uploads      s3://${stack.outputs.UploadsBucketName}
  outputs      s3://${stack.outputs.OutputsBucketName}

  tenant       ${pipeline.tenant}
  API key      ${pipeline.apiKey}   (also in .local/stack.json, which the CLI reads)
  data         ${dataDir}   (kept across restarts; npm start -- --fresh starts empty)

Try it (in another terminal):
  npx media-pipeline upload test/fixtures/images/Landscape_6.jpg --wait

  curl -s -X POST ${pipeline.apiUrl}/uploads -H 'x-api-key: ${pipeline.apiKey}' \\
    -H 'content-type: application/json' \\
    -d '{"fileName":"photo.jpg","contentType":"image/jpeg","size":123456,"outputs":{"preset":"thumbnail"}}'

Ctrl-C stops everything.`);

// SIGTERM/Ctrl-C: stop taking requests, let jobs in flight finish, then stop. Past the deadline it exits
// anyway: the next start's reconciler pass hands the unfinished jobs' claims back and the journals send
// again what the queues and the bus held.
const stopDeadlineMs = Number(readEnv('localStopDeadlineSeconds') ?? 25) * 1000;
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(
    `\n${signal}: stopping the local stack (finishing work in flight, up to ${stopDeadlineMs / 1000} s)...`,
  );
  const deadline = new Promise<'deadline'>((resolve) =>
    setTimeout(() => resolve('deadline'), stopDeadlineMs).unref(),
  );
  const outcome = await Promise.race([pipeline.stop().then(() => 'stopped' as const), deadline]);
  if (outcome === 'deadline')
    console.log('stop deadline reached: exiting with work in flight (it resumes at the next start)');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
