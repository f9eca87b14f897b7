import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { ENV } from '../src/contract/env.js';
import { START_PASS_DETAIL, START_PASS_SINCE } from '../src/reconciler/schedule.js';
import { runtimeClients } from './clients.js';
import { consoleSite } from './console-site.js';
import { DATA_LAYOUT, ensureDataDir, persistentSecret } from './data-dir.js';
import { startEmulators } from './emulators.js';
import { EnvironmentPatch, sdkEnvironment } from './env.js';
import { LocalEventBus, readEventRules } from './event-bus.js';
import { EventJournal } from './event-journal.js';
import { startEventsFront } from './events-front.js';
import { createHttpApiServer, type HttpApiServer, readHttpApis } from './http-api.js';
import { LocalKms, readKmsKeys, startKmsFront } from './kms-front.js';
import { AsyncInvoker, readAsyncConfigs } from './lambda-async.js';
import { LambdaHost, mergeEnvironments, readFunctions } from './lambda-host.js';
import { startNotificationDelivery } from './notifications.js';
import { readSqsMappings, startSqsPollers } from './pollers.js';
import { provisionResources } from './resources.js';
import { startS3Front } from './s3-front.js';
import { LocalScheduler, readScheduleGroups } from './scheduler.js';
import { startSchedulerFront } from './scheduler-front.js';
import { EcsRunner, readTaskDefinitions } from './sfn-ecs.js';
import { startSfnFront } from './sfn-front.js';
import { startSqsFront } from './sqs-front.js';
import { replaySqsJournal, SqsJournal } from './sqs-journal.js';
import { LocalStateMachines } from './state-machines.js';
import { type CfnTemplate, type Json, LocalTemplate } from './template.js';

export interface LocalStackOptions {
  /** The synthesized CloudFormation template (JSON). */
  template: Record<string, Json>;
  /** Function entry files (`media-pipeline:entry` metadata) resolve against this. */
  projectRoot: string;
  /** 0/undefined = ephemeral. `s3` and `sqs` are the endpoints clients use (the fronts). */
  ports?: {
    api?: number;
    s3?: number;
    dynamodb?: number;
    sqs?: number;
    sfn?: number;
    events?: number;
    kms?: number;
    scheduler?: number;
  };
  log?: (line: string) => void;
  /**
   * Keep the stack's state here across restarts (S3 objects, DynamoDB tables, the KMS secret; see
   * data-dir.ts). Without it every run starts empty and leaves nothing behind.
   */
  dataDir?: string;
  /** Local-only knob for tests: visibility delay applied to failed SQS messages instead of the queue's VisibilityTimeout. */
  failedMessageVisibilitySeconds?: number;
  /** Local-only knob for tests: every `rate(...)` EventBridge rule fires this often instead of at its rate. */
  scheduleIntervalMs?: number;
  /**
   * Local-only knob: first delay before retrying a failed EventBridge delivery or asynchronous Lambda
   * invocation (doubling; default 100 ms, where AWS waits seconds to minutes).
   */
  retryDelayMs?: number;
}

/** The stage every hosted function sees, whatever the template says (it allows http://localhost webhooks). */
export const LOCAL_STAGE = 'local';

export interface LocalStack {
  apiUrl: string;
  /** The policy-enforcing S3 front (clients and presigned POSTs use this). */
  s3Endpoint: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** The Step Functions API (AWS_ENDPOINT_URL_SFN for in-process handlers). */
  sfnEndpoint: string;
  /** The EventBridge API (AWS_ENDPOINT_URL_EVENTBRIDGE for in-process handlers). */
  eventsEndpoint: string;
  /** The KMS API (AWS_ENDPOINT_URL_KMS for in-process handlers). */
  kmsEndpoint: string;
  /** The EventBridge Scheduler API (AWS_ENDPOINT_URL_SCHEDULER for in-process handlers). */
  schedulerEndpoint: string;
  /** Schedules created through the Scheduler API; `scheduler.settled()` waits for deliveries in flight. */
  scheduler: LocalScheduler;
  /** The template's EventBridge rules and buses; `events.settled()` waits for deliveries in flight. */
  events: LocalEventBus;
  /** Every HTTP API's URL by logical id (apiUrl is the first). */
  apiUrls: Record<string, string>;
  bucketName(logicalIdPrefix: string): string;
  tableName(logicalIdPrefix: string): string;
  queueUrl(logicalIdPrefix: string): string;
  stateMachineArn(logicalIdPrefix: string): string;
  /** The template Outputs, resolved. */
  outputs: Record<string, string>;
  /** ECS tasks run as local processes (`ecs:runTask`). */
  containers: Pick<EcsRunner, 'running' | 'pids'>;
  /**
   * Resolves when no invocation or execution is in flight and polled queues hold no messages; rejects after
   * `timeoutMs`.
   */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

let active = false;

/** Runs a synthesized CDK template on this machine: emulators, fronts, functions, pollers, HTTP APIs. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  if (active)
    throw new Error('a local stack is already running in this process (the environment is process-wide)');
  active = true;
  // Every claim written before this moment belongs to a process that is gone (the start pass uses it).
  const startedAt = Date.now();
  const log = options.log ?? (() => undefined);
  const template = new LocalTemplate(options.template as CfnTemplate);
  const ports = options.ports ?? {};
  const cleanup: (() => unknown)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        log(`stop: ${(error as Error).message}`);
      }
    }
  };

  try {
    if (options.dataDir) ensureDataDir(options.dataDir);
    const emulators = await startEmulators({ dynamodb: ports.dynamodb }, { dataDir: options.dataDir });
    cleanup.push(() => emulators.stop());
    const bucketCors = Object.fromEntries(
      template
        .ofType('AWS::S3::Bucket')
        .map(([id, r]) => [
          template.physicalName(id),
          template.resolve(r.Properties?.CorsConfiguration?.CorsRules ?? []),
        ]),
    );
    const s3Front = await startS3Front({
      s3rverEndpoint: emulators.s3.endpoint,
      port: ports.s3,
      cors: bucketCors,
      secretFor: (key) => (key === 'S3RVER' ? 'S3RVER' : undefined),
      log,
    });
    cleanup.push(() => s3Front.stop());
    const sqsJournal = options.dataDir ? new SqsJournal(join(options.dataDir, DATA_LAYOUT.sqs)) : undefined;
    const sqsFront = await startSqsFront(emulators.sqs.endpoint, ports.sqs, sqsJournal);
    cleanup.push(() => sqsFront.stop());
    const sfnFront = await startSfnFront(ports.sfn);
    cleanup.push(() => sfnFront.stop());
    const eventsFront = await startEventsFront(ports.events);
    cleanup.push(() => eventsFront.stop());
    const { keys, aliases } = readKmsKeys(template);
    const kmsSecret = options.dataDir ? persistentSecret(options.dataDir, DATA_LAYOUT.kmsSecret) : undefined;
    const kmsFront = await startKmsFront(new LocalKms(keys, aliases, kmsSecret), ports.kms);
    cleanup.push(() => kmsFront.stop());
    const schedulerFront = await startSchedulerFront(ports.scheduler);
    cleanup.push(() => schedulerFront.stop());

    const apiServers: Record<string, HttpApiServer> = {};
    for (const [i, [id]] of template.ofType('AWS::ApiGatewayV2::Api').entries()) {
      const server = await createHttpApiServer(log, i === 0 ? ports.api : 0);
      cleanup.push(() => server.stop());
      apiServers[id] = server;
    }
    const apiUrls = Object.fromEntries(Object.entries(apiServers).map(([id, s]) => [id, s.url]));
    template.setEndpoints({ sqs: sqsFront.endpoint, apis: apiUrls });

    const endpoints = {
      s3: s3Front.endpoint,
      dynamodb: emulators.dynamodb.endpoint,
      sqs: sqsFront.endpoint,
      sfn: sfnFront.endpoint,
      events: eventsFront.endpoint,
      kms: kmsFront.endpoint,
      scheduler: schedulerFront.endpoint,
    };
    const clients = runtimeClients(endpoints);
    cleanup.push(() => clients.destroy());
    await provisionResources(template, clients, log);
    if (sqsJournal) {
      const queueUrls = new Map(
        template.ofType('AWS::SQS::Queue').map(([id]) => [template.physicalName(id), template.queueUrl(id)]),
      );
      await replaySqsJournal(sqsJournal, clients.sqs, (name) => queueUrls.get(name), log);
    }

    const functions = readFunctions(template, log);
    for (const fn of functions) fn.environment[ENV.stage] = LOCAL_STAGE;
    const functionEnv = mergeEnvironments(functions);
    const env = new EnvironmentPatch();
    cleanup.push(() => env.restore());
    env.unset(['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL']);
    env.set({ ...functionEnv, ...sdkEnvironment(endpoints) });

    const host = new LambdaHost(functions, options.projectRoot, log);
    const ecs = new EcsRunner(readTaskDefinitions(template), {
      projectRoot: options.projectRoot,
      sdkEnvironment: sdkEnvironment(endpoints),
      log,
    });
    const stateMachines = new LocalStateMachines(
      template,
      { host, ecs, dynamodb: clients.dynamodb, sqs: clients.sqs },
      log,
    );
    cleanup.push(() => stateMachines.stopAll());
    sfnFront.serve(stateMachines);
    const invoker = new AsyncInvoker(
      host,
      clients.sqs,
      readAsyncConfigs(template, functions, log),
      log,
      options.retryDelayMs,
    );
    cleanup.push(() => invoker.stop());
    const events = new LocalEventBus({
      rules: readEventRules(template, host, log),
      buses: template.ofType('AWS::Events::EventBus').map(([id]) => template.physicalName(id)),
      sqs: clients.sqs,
      invoker,
      stateMachines,
      log,
      scheduleIntervalMs: options.scheduleIntervalMs,
      retryDelayMs: options.retryDelayMs,
      ...(options.dataDir ? { journal: new EventJournal(join(options.dataDir, DATA_LAYOUT.events)) } : {}),
    });
    cleanup.push(() => events.stop());
    eventsFront.serve(events);
    const scheduler = new LocalScheduler({
      groups: readScheduleGroups(template, log),
      stateMachines,
      sqs: clients.sqs,
      sqsEndpoint: sqsFront.endpoint,
      invoker,
      log,
    });
    cleanup.push(() => scheduler.stop());
    schedulerFront.serve(scheduler);
    const notifications = startNotificationDelivery({
      template,
      // s3rver is a Koa app, hence an EventEmitter; @types/s3rver leaves that out.
      emitter: emulators.s3.server as unknown as EventEmitter,
      sqs: clients.sqs,
      host,
      s3rverEndpoint: emulators.s3.endpoint,
      isCompletingMultipart: s3Front.isCompletingMultipart,
      log,
    });
    cleanup.push(() => notifications.stop());
    const pollers = startSqsPollers({
      mappings: readSqsMappings(template, host, log),
      sqs: clients.sqs,
      host,
      log,
      failedMessageVisibilitySeconds: options.failedMessageVisibilitySeconds,
    });
    cleanup.push(() => pollers.stop());
    for (const api of readHttpApis(template, host, log)) apiServers[api.logicalId]?.serve(api, host);
    const firstApi = Object.values(apiServers)[0];
    firstApi?.serveSite(consoleSite({ api: firstApi.url, storage: s3Front.endpoint }));

    const polledQueues = [...new Set(pollers.mappings.map((m) => m.queueUrl))];
    const queuedMessages = async () => {
      let total = 0;
      for (const QueueUrl of polledQueues) {
        const { Attributes = {} } = await clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        total += Object.values(Attributes).reduce((sum, n) => sum + Number(n), 0);
      }
      return total;
    };
    const busy = async () => {
      const local =
        host.inFlight +
        notifications.pending() +
        pollers.busy() +
        stateMachines.busy +
        events.pending() +
        scheduler.pending() +
        invoker.pending();
      return { local, queued: local ? 0 : await queuedMessages() };
    };

    let stopped = false;
    const stack: LocalStack = {
      apiUrl: Object.values(apiUrls)[0] ?? '',
      apiUrls,
      s3Endpoint: s3Front.endpoint,
      dynamodbEndpoint: emulators.dynamodb.endpoint,
      sqsEndpoint: sqsFront.endpoint,
      sfnEndpoint: sfnFront.endpoint,
      eventsEndpoint: eventsFront.endpoint,
      kmsEndpoint: kmsFront.endpoint,
      schedulerEndpoint: schedulerFront.endpoint,
      scheduler,
      events,
      bucketName: (prefix) => template.physicalName(template.logicalId('AWS::S3::Bucket', prefix)),
      tableName: (prefix) => {
        const type = template.ofType('AWS::DynamoDB::GlobalTable').some(([id]) => id.startsWith(prefix))
          ? 'AWS::DynamoDB::GlobalTable'
          : 'AWS::DynamoDB::Table';
        return template.physicalName(template.logicalId(type, prefix));
      },
      queueUrl: (prefix) => template.queueUrl(template.logicalId('AWS::SQS::Queue', prefix)),
      stateMachineArn: (prefix) => stateMachines.arnOf(prefix),
      outputs: template.outputs(),
      containers: ecs,
      async idle(timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        let quietChecks = 0;
        while (quietChecks < 2) {
          const state = await busy();
          quietChecks = state.local + state.queued === 0 ? quietChecks + 1 : 0;
          if (quietChecks >= 2) return;
          if (Date.now() > deadline)
            throw new Error(
              `local stack not idle after ${timeoutMs} ms (${state.local} local task(s), ${state.queued} queued message(s))`,
            );
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        // Graceful: no new requests, then the pollers finish the batches they hold (stopAll stops them
        // first), then everything else.
        for (const server of Object.values(apiServers)) server.stopAccepting();
        await stopAll();
        active = false;
      },
    };
    // A durable stack's start: the journals send again what the queues and the bus held, and the reconciler
    // re-drives what only the job table remembers (executions, and anything a journal could not hold).
    if (options.dataDir) {
      events.replayJournal();
      events.fireSchedules({ [START_PASS_DETAIL]: true, [START_PASS_SINCE]: startedAt });
    }
    log(
      `local stack up: api ${stack.apiUrl || '(none)'}, s3 ${stack.s3Endpoint}, sqs ${stack.sqsEndpoint}, scheduler ${stack.schedulerEndpoint}`,
    );
    return stack;
  } catch (error) {
    await stopAll();
    active = false;
    throw error;
  }
}
