import { Command } from 'commander';
import { batchCommand, batchStatusCommand } from '../src/cli/batch-command.js';
import {
  createApiKeyCommand,
  revokeApiKeyCommand,
  setRateLimitCommand,
  statusCommand,
  uploadCommand,
} from '../src/cli/commands.js';
import { EXIT, exitFor } from '../src/cli/exit-codes.js';
import { hashCommand } from '../src/cli/hash-command.js';
import { processCommand } from '../src/cli/process-command.js';
import { listenCommand } from '../src/cli/webhooks-listen.js';
import { ENV } from '../src/contract/env.js';
import { ROUTES } from '../src/contract/routes.js';

const program = new Command('media-pipeline')
  .description('Upload media to a media-pipeline stack (local or deployed) and follow the jobs.')
  .option('--api <url>', `API base URL (default: the running local stack, or ${ENV.apiUrl})`)
  .option('--api-key <key>', `API key (default: the local stack dev key, or ${ENV.apiKey})`)
  .option('--json', 'print JSON only, for scripts (errors too: {"error": {...}}); exit codes in the README')
  // Commander's own errors (unknown option, missing argument) exit with the usage code.
  .exitOverride((error) => {
    if (error.exitCode === 0) process.exit(0);
    process.exit(EXIT.usage);
  });
const json = () => Boolean(program.opts().json);
const printJson = (value: unknown) => console.log(JSON.stringify(value));

program
  .command('upload')
  .argument('<files...>', 'files to upload')
  .option('--preset <name>', 'images: web, thumbnail, social, archive; video/audio: mobile, web, hls', 'web')
  .option('--priority <level>', 'urgent, high, normal or low', 'normal')
  .option('--wait', 'follow each job until it completes or fails', false)
  .action(async (files: string[], options: { preset: string; priority: string; wait: boolean }) => {
    process.exitCode = await uploadCommand(files, { ...program.opts(), ...options });
  });

program
  .command('process')
  .description(
    'run the image pipeline, or for video/audio the transcoder, on local files (no stack needed); writes outputs and <name>.result.json',
  )
  .argument('<files...>', 'image, video or audio files')
  .option(
    '--preset <name>',
    'images: thumbnail, web, social or archive; video/audio: mobile, web or hls (default web)',
  )
  .option('--spec <json>', 'output specs as JSON: a spec, an array of specs or {"specs": [...]}')
  .option('--metadata <policy>', 'strip, preserve or selective', 'strip')
  .option('--allow-svg', 'rasterise SVG input (refused by default)', false)
  .requiredOption('--out <dir>', 'output directory')
  .action(
    async (
      files: string[],
      options: { preset?: string; spec?: string; metadata: string; allowSvg: boolean; out: string },
    ) => {
      process.exitCode = await processCommand(files, { ...options, json: json() });
    },
  );

program
  .command('webhooks')
  .description('webhook tools')
  .command('listen')
  .description('receive the stack’s job events on a local, signature-verifying receiver (local stage)')
  .option('--events <types>', 'comma-separated event types (default all)')
  .option('--port <port>', 'port to listen on (default any free one)')
  .option('--count <n>', 'stop after n events')
  .action(async (options: { events?: string; port?: string; count?: string }) => {
    process.exitCode = await listenCommand({
      ...program.opts(),
      json: json(),
      events: options.events?.split(',').map((t) => t.trim()),
      port: options.port ? Number(options.port) : undefined,
      count: options.count ? Number(options.count) : undefined,
    });
  });

program
  .command('batch')
  .description(`submit a batch (a ${ROUTES.createBatch} body in a JSON file; see docs/batches.md)`)
  .argument('<spec.json>')
  .option('--wait', 'follow the batch until it ends', false)
  .action(async (spec: string, options: { wait: boolean }) => {
    process.exitCode = await batchCommand(spec, { ...program.opts(), ...options });
  });

program
  .command('batch-status')
  .argument('<batch-id>')
  .action(async (batchId: string) => {
    process.exitCode = await batchStatusCommand(batchId, program.opts());
  });

program
  .command('status')
  .argument('<job-id>')
  .action(async (jobId: string) => {
    process.exitCode = await statusCommand(jobId, program.opts());
  });

program
  .command('create-api-key')
  .description('create an API key for a tenant of a deployed stack (AWS credentials from the environment)')
  .requiredOption('--table <name>', 'the stack output JobsTableName')
  .requiredOption('--tenant <id>', 'tenant id: lowercase letters, digits and dashes')
  .action(async (options: { table: string; tenant: string }) => {
    const apiKey = await createApiKeyCommand(options);
    if (json()) return printJson({ tenant: options.tenant, apiKey });
    console.log(apiKey);
    console.error(`API key for tenant ${options.tenant} (shown once; only its SHA-256 is stored)`);
  });

program
  .command('revoke-api-key')
  .description('revoke an API key of a deployed stack (cached authorisations lapse within 60 s)')
  .requiredOption('--table <name>', 'the stack output JobsTableName')
  .requiredOption('--key <apiKey>', 'the key to revoke (only its hash is looked up)')
  .action(async (options: { table: string; key: string }) => {
    const tenant = await revokeApiKeyCommand(options);
    if (!tenant) process.exitCode = EXIT.failed;
    if (json()) printJson({ revoked: Boolean(tenant), tenant });
    else console.error(tenant ? `revoked a key of tenant ${tenant}` : 'no such key');
  });

program
  .command('set-rate-limit')
  .description("set a tenant's own rate limits on a deployed stack (applied within 60 s)")
  .requiredOption('--table <name>', 'the stack output JobsTableName')
  .requiredOption('--tenant <id>', 'tenant id')
  .option('--submit <rate/burst>', 'requests per second and bucket size for non-GET routes, e.g. 50/100')
  .option('--read <rate/burst>', 'the same for GET routes')
  .action(async (options: { table: string; tenant: string; submit?: string; read?: string }) => {
    const policies = await setRateLimitCommand(options);
    if (json()) return printJson({ tenant: options.tenant, rateLimits: policies });
    console.error(`rate limits of tenant ${options.tenant}: ${JSON.stringify(policies)}`);
  });

program
  .command('hash')
  .description('print SHA-256, PDQ (hash, quality), aHash, dHash and pHash of each file, one JSON line each')
  .argument('<files...>', 'image files')
  .action(async (files: string[]) => {
    process.exitCode = await hashCommand(files);
  });

program.parseAsync().catch((error: unknown) => {
  const { code, json: body } = exitFor(error);
  if (json()) printJson(body);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = code;
});
